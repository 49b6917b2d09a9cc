// One autoscaling/v2 HorizontalPodAutoscaler per workload of the app's strategy plan
// (Deployments and Argo Rollouts alike), scaling on the pods' CPU requests.
local k = import 'kconfig.libsonnet';

local target(w) =
  if w.kind == 'Rollout' then { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: w.name }
  else { apiVersion: 'apps/v1', kind: 'Deployment', name: w.name };

function(ctx)
  local hpa = k.get(ctx.values, 'hpa');
  if k.truthy(hpa) then [
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: k.metadata(ctx, w.name),
      spec: {
        scaleTargetRef: target(w),
        minReplicas: k.get(hpa, 'minReplicas', 1),
        maxReplicas: hpa.maxReplicas,
        metrics: [{
          type: 'Resource',
          resource: {
            name: 'cpu',
            target: {
              type: 'Utilization',
              averageUtilization: k.get(hpa, 'targetCPUUtilizationPercentage', 80),
            },
          },
        }],
      },
    }
    for w in ctx.plan.workloads
  ]
