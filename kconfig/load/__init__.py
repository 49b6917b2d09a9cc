"""Load: reading the project from disk. The YAML reader (positions, bounds), the
confined file access, kconfig.yaml and env.yaml, environments with ``extends``, the
per-user cache folder."""
