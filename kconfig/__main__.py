"""``python -m kconfig``: the same as the ``kconfig`` command."""

from kconfig.cli.main import main

raise SystemExit(main())
