function(ctx)
  local f(x) = if x > 1e10 then x else f(x + 1) tailstrict;
  {kind: f(0)}
