// One autoscaling/v2 HorizontalPodAutoscaler per workload the app's `hpa:` scales (named
// like it; render/platform decides which and writes the spec).
local k = import 'kconfig.libsonnet';

function(ctx) [
  {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: k.metadata(ctx, h.name),
    spec: h.spec,
  }
  for h in ctx.platform.hpas
]
