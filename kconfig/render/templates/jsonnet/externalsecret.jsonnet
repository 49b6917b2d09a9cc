// One External Secrets Operator ExternalSecret "<app>-<name>" per `secrets.items` entry with
// `data`, filling the Secret "<app>-<name>" from the secret store (kconfig.yaml
// `externalSecretsVersion` picks the apiVersion).
local k = import 'kconfig.libsonnet';

function(ctx) [
  {
    apiVersion: ctx.platform.externalSecretsApiVersion,
    kind: 'ExternalSecret',
    metadata: k.metadata(ctx, s.name),
    spec: s.spec,
  }
  for s in ctx.platform.externalSecrets
]
