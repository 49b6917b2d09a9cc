"""Core records and pure helpers every stage shares: names, marked YAML nodes,
the merge engine, the manifest record, the canonical dump. Imports nothing of kconfig but
``kconfig.errors``."""
