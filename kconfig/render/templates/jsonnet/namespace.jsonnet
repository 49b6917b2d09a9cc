// The environment's Namespace, carrying the environment's labels.
local k = import 'kconfig.libsonnet';

function(ctx) {
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: {
    annotations: k.opt(ctx.env.annotations),
    labels: ctx.labels,
    name: ctx.env.namespace,
  },
}
