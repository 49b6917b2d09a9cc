// Gateway API HTTPRoutes of the app's strategy plan (canary trafficRouting gatewayAPI):
// one rule to the stable and the canary Service, 100/0, which Argo Rollouts' Gateway API
// plugin re-weights.
local k = import 'kconfig.libsonnet';

function(ctx)
  local port = ctx.values.service.port;
  [
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: k.metadata(ctx, r.name),
      spec: {
        hostnames: k.opt(r.hosts),
        parentRefs: r.parents,
        rules: [{
          backendRefs: [
            { name: r.stable, port: port, weight: 100 },
            { name: r.canary, port: port, weight: 0 },
          ],
        }],
      },
    }
    for r in ctx.plan.httpRoutes
  ]
