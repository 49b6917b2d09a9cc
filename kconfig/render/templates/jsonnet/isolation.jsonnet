// The environment's isolation policies. `env-isolation` selects every pod of the namespace
// (so each admits only what some policy admits) and admits each of allowNamespaces;
// `env-same-namespace` admits the whole namespace to the pods of the apps without a policy of
// their own (no label kconfig.dev/netpol): an app with one is reachable from the namespace only
// as its own policy says. An empty allowNamespaces renders no rule at all: a rule with
// `from: []` would admit every source.
local k = import 'kconfig.libsonnet';

function(ctx)
  if k.truthy(ctx.env.isolation) then [
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: k.metadata(ctx, 'env-isolation'),
      spec: {
        ingress: if std.length(ctx.env.allowNamespaces) > 0 then [{
          from: [
            { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } }
            for ns in ctx.env.allowNamespaces
          ],
        }] else [],
        podSelector: {},
        policyTypes: ['Ingress'],
      },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: k.metadata(ctx, 'env-same-namespace'),
      spec: {
        ingress: [{ from: [{ podSelector: {} }] }],
        podSelector: {
          matchExpressions: [{ key: 'kconfig.dev/netpol', operator: 'DoesNotExist' }],
        },
        policyTypes: ['Ingress'],
      },
    },
  ] else []
