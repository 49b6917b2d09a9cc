// The app's own NetworkPolicy: admits the listed apps (same namespace) and namespaces on the
// app's port, when networkPolicy.enabled.
local k = import 'kconfig.libsonnet';

local peer(p) =
  if k.truthy(k.get(p, 'app')) then
    { podSelector: { matchLabels: { [k.nameLabel]: p.app } } }
  else
    { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': p.namespace } } };

function(ctx)
  local np = ctx.values.networkPolicy;
  if k.truthy(np.enabled) then {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: k.metadata(ctx, ctx.name),
    spec: {
      ingress: [{
        from: [peer(p) for p in (if k.truthy(k.get(np, 'allowFrom')) then np.allowFrom else [])],
        ports: [{ port: 'http', protocol: 'TCP' }],
      }],
      podSelector: { matchLabels: ctx.selector },
      policyTypes: ['Ingress'],
    },
  }
