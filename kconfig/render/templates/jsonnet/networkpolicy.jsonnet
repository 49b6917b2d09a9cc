// The app's own NetworkPolicy: admits the listed apps (same namespace) and namespaces on the
// app's port, when networkPolicy.enabled. An empty allowFrom renders no rule at all: a rule
// with `from: []` would admit every source.
local k = import 'kconfig.libsonnet';

local peer(p) =
  if k.truthy(k.get(p, 'app')) then
    { podSelector: { matchLabels: { [k.nameLabel]: p.app } } }
  else
    { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': p.namespace } } };

function(ctx)
  local np = ctx.values.networkPolicy;
  local allowFrom = k.get(np, 'allowFrom');
  if k.truthy(np.enabled) then {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: k.metadata(ctx, ctx.name),
    spec: {
      ingress: if k.truthy(allowFrom) then [{
        from: [peer(p) for p in allowFrom],
        ports: [{ port: ctx.values.portName, protocol: 'TCP' }],
      }] else [],
      podSelector: { matchLabels: ctx.selector },
      policyTypes: ['Ingress'],
    },
  }
