// Services of the app's strategy plan, each on the app's named port "http".
local k = import 'kconfig.libsonnet';

function(ctx)
  local svc = ctx.values.service;
  [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: k.metadata(ctx, s.name, ctx.labels, k.get(svc, 'annotations')),
      spec: {
        ports: [{ name: 'http', port: svc.port, protocol: 'TCP', targetPort: 'http' }],
        selector: s.selector,
        type: k.get(svc, 'type', 'ClusterIP'),
      },
    }
    for s in ctx.plan.services
  ]
