"""Render: values -> manifests. ``context`` (what every template is given) and the strategy
plans, ``backends`` (Jinja2 and Jsonnet behind one Protocol, sandboxed) and their built-in
``templates``, ``limits`` (time and memory bounds), ``pipeline`` (one environment, app by
app, custom templates and overlay patches, in steps a wrapper such as the build cache can
stand between)."""
