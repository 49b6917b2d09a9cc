"""The ``kconfig`` command: argument parsing, one public-API call per command (``kconfig``
and ``kconfig.errors`` only), reporters; exit codes in :mod:`kconfig.cli.main`."""
