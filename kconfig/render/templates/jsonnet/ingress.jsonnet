// Ingresses of the app's strategy plan: one rule for the Ingress' host (the app's unless the
// plan names another, as for a blue-green preview), backend Service on its port.
local k = import 'kconfig.libsonnet';

function(ctx)
  local ing = ctx.values.ingress;
  local tls = k.get(ing, 'tls');
  local appSecret =
    if std.isObject(tls) && k.truthy(k.get(tls, 'secretName')) then tls.secretName
    else ctx.name + '-tls';
  [
    local host = if i.host != null then i.host else ctx.host;
    local secretName = if i.tlsSecret != null then i.tlsSecret else appSecret;
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: k.metadata(ctx, i.name, ctx.labels,
                           (if k.truthy(k.get(ing, 'annotations')) then ing.annotations else {})
                           + i.annotations),
      spec: {
        ingressClassName: k.opt(k.get(ing, 'className')),
        tls: if k.truthy(tls) && k.truthy(host) then [{ hosts: [host], secretName: secretName }],
        rules: [{
          host: k.opt(host),
          http: { paths: [{
            backend: { service: { name: i.service, port: { number: ctx.values.service.port } } },
            path: ing.path,
            pathType: k.get(ing, 'pathType', 'Prefix'),
          }] },
        }],
      },
    }
    for i in ctx.plan.ingresses
  ]
