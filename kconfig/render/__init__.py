"""Render: values -> manifests. The render context, the strategy planners, the
Jinja2 and Jsonnet backends and their built-in templates, the time limits, the pipeline
that renders an environment and applies overlay patches."""
