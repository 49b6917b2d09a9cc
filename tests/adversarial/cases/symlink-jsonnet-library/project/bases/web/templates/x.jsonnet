function(ctx) import 'lib.libsonnet'
