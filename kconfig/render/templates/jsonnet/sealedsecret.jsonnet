// One Bitnami SealedSecret "<app>-<name>" per `secrets.items` entry with `encryptedData`:
// the controller unseals it into the Secret of the same name.
local k = import 'kconfig.libsonnet';

function(ctx) [
  {
    apiVersion: 'bitnami.com/v1alpha1',
    kind: 'SealedSecret',
    metadata: k.metadata(ctx, s.name),
    spec: s.spec,
  }
  for s in ctx.platform.sealedSecrets
]
