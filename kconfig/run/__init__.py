"""Run: the recipes that drive the stages. Environments rendered and validated in
forked workers, the build cache, ``kconfig build``."""
