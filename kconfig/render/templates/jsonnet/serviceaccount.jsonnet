// The ServiceAccount "<app>" when `serviceAccount.create` is true (the pods then use it);
// annotations such as the cloud workload identity ones.
local k = import 'kconfig.libsonnet';

function(ctx)
  local account = ctx.platform.serviceAccount;
  if account != null then {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: k.metadata(ctx, account.name, annotations=account.annotations),
  }
