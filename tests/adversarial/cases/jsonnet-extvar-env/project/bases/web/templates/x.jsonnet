function(ctx) {
  kind: std.extVar('HOME'),
}
