"""Values: an app's layers (base, components, environment defaults and overlays,
``--set``) merged into values with per-leaf provenance."""
