"""The ``kconfig`` command: argument parsing, one library call per command, reporters."""
