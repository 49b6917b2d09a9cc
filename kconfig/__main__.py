"""``python -m kconfig``: the same as the ``kconfig`` command."""

from kconfig._cli import main

raise SystemExit(main())
