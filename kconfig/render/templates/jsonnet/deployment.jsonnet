// Deployments of the app's strategy plan (rolling, recreate and the NGINX-only variants).
local k = import 'kconfig.libsonnet';

function(ctx) [
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: k.workloadMetadata(ctx, w),
    spec: {
      replicas: k.get(w, 'replicas'),
      selector: { matchLabels: w.selector },
      strategy: w.strategy,
      template: k.podTemplate(ctx, w),
    },
  }
  for w in k.workloads(ctx, 'Deployment')
]
