// Istio VirtualServices of the app's strategy plan (canary trafficRouting istio): one HTTP
// route "primary" to the stable and the canary Service, 100/0, which Argo Rollouts
// re-weights. networking.istio.io/v1beta1: served by every Istio since 1.5 (v1 only since
// 1.22), and the controller reads it through whichever version it is configured for.
local k = import 'kconfig.libsonnet';

function(ctx)
  local port = { number: ctx.values.service.port };
  [
    {
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'VirtualService',
      metadata: k.metadata(ctx, v.name),
      spec: {
        gateways: k.opt(v.parents),
        hosts: v.hosts,
        http: [{
          name: 'primary',
          route: [
            { destination: { host: v.stable, port: port }, weight: 100 },
            { destination: { host: v.canary, port: port }, weight: 0 },
          ],
        }],
      },
    }
    for v in ctx.plan.virtualServices
  ]
