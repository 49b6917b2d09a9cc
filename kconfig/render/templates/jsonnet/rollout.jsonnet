// Argo Rollouts Rollouts of the app's strategy plan (blueGreen, canary): the pod template
// inline, the strategy exactly as the plan decided it (Services, steps, analysis).
local k = import 'kconfig.libsonnet';

function(ctx) [
  {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: k.workloadMetadata(ctx, w),
    spec: {
      replicas: k.get(w, 'replicas'),
      selector: { matchLabels: w.selector },
      strategy: w.strategy,
      template: k.podTemplate(ctx, w),
    },
  }
  for w in k.workloads(ctx, 'Rollout')
]
