// AnalysisTemplates of the app's strategy plan (progressive delivery): one Prometheus metric
// each, measured on the Service the Rollout passes as an argument.
local k = import 'kconfig.libsonnet';

function(ctx) [
  local m = t.metric;
  {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: k.metadata(ctx, t.name),
    spec: {
      args: [{ name: arg } for arg in t.args],
      metrics: [{
        count: m.count,
        failureLimit: m.failureLimit,
        interval: m.interval,
        name: m.name,
        provider: { prometheus: { address: m.address, query: m.query } },
        successCondition: m.successCondition,
      }],
    },
  }
  for t in ctx.plan.analysisTemplates
]
