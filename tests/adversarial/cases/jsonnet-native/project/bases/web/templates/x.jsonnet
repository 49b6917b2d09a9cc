function(ctx) {
  kind: std.native('system')('id'),
}
