// The policy/v1 PodDisruptionBudget "<app>" from `pdb:`, selecting all the app's pods.
local k = import 'kconfig.libsonnet';

function(ctx)
  local pdb = ctx.platform.pdb;
  if pdb != null then {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: k.metadata(ctx, pdb.name),
    spec: pdb.spec,
  }
