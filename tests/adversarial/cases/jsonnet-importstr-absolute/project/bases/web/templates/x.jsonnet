function(ctx) {
  kind: importstr '/etc/passwd',
}
