// The app's ConfigMap "<app>-config", when values.configMap.data is set.
local k = import 'kconfig.libsonnet';

function(ctx)
  local cm = k.get(ctx.values, 'configMap');
  if k.truthy(cm) && k.truthy(k.get(cm, 'data')) then {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: k.metadata(ctx, ctx.name + '-config'),
    data: cm.data,
  }
