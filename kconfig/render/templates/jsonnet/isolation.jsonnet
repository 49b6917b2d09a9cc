// The environment's isolation policy: every pod of the namespace admits traffic only from
// the same namespace and from each of allowNamespaces.
local k = import 'kconfig.libsonnet';

function(ctx)
  if k.truthy(ctx.env.isolation) then {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: k.metadata(ctx, 'env-isolation'),
    spec: {
      ingress: [{
        from: [{ podSelector: {} }] + [
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } }
          for ns in ctx.env.allowNamespaces
        ],
      }],
      podSelector: {},
      policyTypes: ['Ingress'],
    },
  }
