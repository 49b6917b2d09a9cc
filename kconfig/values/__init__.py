"""Values: an app's layers in one environment (built-in defaults, base, components, each
environment's ``defaults`` and overlay along the ``extends`` chain, ``--set``) merged into
:class:`~kconfig.values.layers.Values` with per-leaf provenance; overlay patches set aside."""
