"""The one table of semantic checks kconfig runs (``kconfig validate --list-checks``).

Each module of checks (:mod:`kconfig.check.semantic` and the rule modules beside it) exports
its own ``CHECKS`` tuple; this module only concatenates them, so adding a family of rules is
one new module and one line here, and no rule module imports another.
"""

from __future__ import annotations

from kconfig.check import delivery, semantic
from kconfig.check.semantic import Check

__all__ = ["CHECKS"]

CHECKS: tuple[Check, ...] = (
    *semantic.CHECKS,
    *delivery.CHECKS,
)
