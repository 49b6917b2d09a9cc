// A PodDisruptionBudget for the frontend: node drains evict at most one of its pods at a
// time, unless values.pdb says otherwise ({minAvailable: N} or {maxUnavailable: N}).
local k = import 'kconfig.libsonnet';

function(ctx)
  local pdb = k.get(ctx.values, 'pdb');
  local given = if k.truthy(pdb) then pdb else {};
  {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: k.metadata(ctx, ctx.name),
    // Kubernetes takes one of the two: minAvailable when given, else maxUnavailable.
    spec: (
      if k.get(given, 'minAvailable') != null then { minAvailable: given.minAvailable }
      else { maxUnavailable: k.get(given, 'maxUnavailable', 1) }
    ) + { selector: { matchLabels: ctx.selector } },
  }
