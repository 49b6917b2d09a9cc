// kconfig.libsonnet: the helpers of kconfig's built-in Jsonnet templates. Users may import
// it too, from any template of their project:   local k = import 'kconfig.libsonnet';
//
// Conventions (the built-ins follow them; a new built-in must too):
//
// * A template is a `*.jsonnet` file whose value is `function(ctx) ...`. kconfig calls it
//   with one top-level argument, `ctx`: the same JSON context the Jinja2 templates get
//   (name, values, env, project, labels, selector, host, image, plan; environment-wide
//   templates get env, project, labels). A template that is not a function is used as is.
// * It returns one Kubernetes object, an array of objects, or null (nothing).
// * A null field is an absent field: kconfig drops null fields after rendering, so write an
//   optional field as `field: k.opt(value)` instead of an if/else around the whole object.
// * Truthiness is Jinja's (Python's): null, false, 0, '', [] and {} are false. Use
//   k.truthy/k.opt wherever the Jinja2 twin of a template writes `{% if x %}`, so both
//   backends decide the same way and render byte-identical output.
// * Key order does not matter (kconfig writes keys in one canonical order); list order does.
// * kconfig adds the namespace and the common labels to every object after rendering.
// * Speed: helpers run once per object, so keep std.format / `%` and number-to-string
//   concatenation out of them (the C++ Jsonnet engine is slow there).
// * The pod template (k.podTemplate) takes one workload `w` of ctx.plan.workloads, so every
//   workload kind (Deployment, Rollout) shares it.
// * Imports resolve relative to the importing file, then the project root, then kconfig's
//   library folder (this file's). Nothing outside the project can be imported, and no
//   environment variable is readable except those kconfig.yaml lists in sandbox.allowEnv
//   (as std.extVar('NAME')).
{
  // The label every selector uses (selectors are immutable: nothing that changes goes there).
  nameLabel:: 'app.kubernetes.io/name',

  // Jinja/Python truthiness.
  truthy(x)::
    if x == null then false
    else if std.isBoolean(x) then x
    else if std.isNumber(x) then x != 0
    else if std.isString(x) || std.isArray(x) || std.isObject(x) then std.length(x) > 0
    else true,

  // `x` when truthy, else null (the field disappears).
  opt(x):: if $.truthy(x) then x else null,

  // obj[key] when present (even null), else `default`: Python's dict.get.
  get(obj, key, default=null):: std.get(obj, key, default),

  // Standard object metadata; annotations only when non-empty.
  metadata(ctx, name, labels=ctx.labels, annotations=null):: {
    annotations: $.opt(annotations),
    labels: labels,
    name: name,
    namespace: ctx.env.namespace,
  },

  // An HTTP GET probe on the app's named port `portName` (or spec.port), path "/" by default.
  probeKeys:: ['failureThreshold', 'initialDelaySeconds', 'periodSeconds', 'successThreshold',
               'timeoutSeconds'],
  probe(spec, portName='http'):: {
    [key]: std.get(spec, key)
    for key in $.probeKeys
  } + {
    httpGet: { path: std.get(spec, 'path', '/'), port: std.get(spec, 'port', portName) },
  },

  // The container environment from a {NAME: value} map, sorted by name; a mapping value is
  // a `valueFrom` source.
  envList(vars):: [
    local value = vars[key];
    if std.isObject(value) then { name: key, valueFrom: value.valueFrom }
    else { name: key, value: value }
    for key in std.objectFields(vars)
  ],

  // The app's container ("app") of workload `w`: image, port portName, env, probes, resources.
  container(ctx, w)::
    local values = ctx.values;
    local probes = values.probes;
    local probeOf(key) = if $.truthy(std.get(probes, key)) then $.probe(probes[key], values.portName);
    {
      args: $.opt(std.get(values, 'args')),
      command: $.opt(std.get(values, 'command')),
      env: if $.truthy(std.get(values, 'env')) then $.envList(values.env),
      envFrom: $.opt(ctx.platform.pod.envFrom),
      imagePullPolicy: $.opt(std.get(values.image, 'pullPolicy')),
      livenessProbe: probeOf('liveness'),
      readinessProbe: probeOf('readiness'),
      resources: $.opt(std.get(values, 'resources')),
      securityContext: $.opt(std.get(values, 'securityContext')),
      startupProbe: probeOf('startup'),
      volumeMounts: $.opt(std.get(values, 'volumeMounts')),
      image: w.image,
      name: 'app',
      ports: [{ containerPort: values.port, name: values.portName, protocol: 'TCP' }],
    },

  // The pod template of workload `w` (Deployment or Rollout): the app's container, then the
  // sidecars as written. ctx.platform.pod (render/platform) gives the service account, the
  // envFrom (secret items included) and the pod annotations (checksum/config included).
  podTemplate(ctx, w)::
    local values = ctx.values;
    local pod = ctx.platform.pod;
    {
      metadata: {
        annotations: $.opt(pod.annotations),
        labels: w.labels,
      },
      spec: {
        nodeSelector: $.opt(std.get(values, 'nodeSelector')),
        securityContext: $.opt(std.get(values, 'podSecurityContext')),
        serviceAccountName: $.opt(pod.serviceAccountName),
        tolerations: $.opt(std.get(values, 'tolerations')),
        volumes: $.opt(std.get(values, 'volumes')),
        containers: [$.container(ctx, w)] + values.sidecars,
      },
    },

  // Metadata of a workload of the plan (Deployment, Rollout): the app's annotations.
  workloadMetadata(ctx, w):: $.metadata(ctx, w.name, ctx.labels, ctx.values.annotations),

  // The workloads of the plan of one kind.
  workloads(ctx, kind):: [w for w in ctx.plan.workloads if w.kind == kind],
}
