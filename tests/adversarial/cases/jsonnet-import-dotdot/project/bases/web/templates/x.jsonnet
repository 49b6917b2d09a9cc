function(ctx)
  import '../../../../etc/passwd'
