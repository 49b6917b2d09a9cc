// Services of the app's strategy plan, each on the app's named port (portName, default "http").
local k = import 'kconfig.libsonnet';

function(ctx)
  local svc = ctx.values.service;
  [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: k.metadata(ctx, s.name, ctx.labels, k.get(svc, 'annotations')),
      spec: {
        ports: [{ name: ctx.values.portName, port: svc.port, protocol: 'TCP', targetPort: ctx.values.portName }],
        selector: s.selector,
        type: k.get(svc, 'type', 'ClusterIP'),
      },
    }
    for s in ctx.plan.services
  ]
