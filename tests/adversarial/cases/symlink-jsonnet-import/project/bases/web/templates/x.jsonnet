function(ctx) {
  kind: importstr 'secret.txt',
}
