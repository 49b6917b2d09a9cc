function(ctx) {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: {name: 'api'},
  data: {token: std.base64('s3cret')},
}
