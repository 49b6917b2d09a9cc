"""Core: the records and pure helpers every stage shares, with no I/O.

``names`` (the name rule of apps, environments, components), ``marked`` (YAML nodes that
remember their file:line), ``paths`` (value paths: parse, walk, write), ``merge`` (the merge
rules with per-leaf provenance), ``manifests`` (the rendered-object record and the output
order), ``dump`` (canonical key order, YAML and JSON text), ``schemadata`` (kconfig's JSON
schema files). Imports nothing of kconfig but :mod:`kconfig.errors`."""
