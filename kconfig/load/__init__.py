"""Load: the project as read from disk, and nothing else.

``reader`` (the only reader of hand-written YAML: positions, bounds), ``paths`` (every path
of the project tree, spelled once), ``files`` (reads confined to the root, each file once),
``inputs`` (kconfig's own schemas compiled once; located input errors), ``config``
(kconfig.yaml: schema-checked, then a typed record), ``environments`` (env.yaml with
``extends``), ``sources`` (:class:`~kconfig.load.sources.Sources`, the read-only project every
later stage takes), ``usercache`` (the per-user folder)."""
