"""Run: the recipes that drive the stages. ``recipe`` (THE render-and-validate recipe of one
environment, which every command and the API run), ``pool`` (environments in forked
workers), ``cache`` (the build cache, wrapped around the stages), ``build`` (``kconfig
build``: render, plan, then write, check or commit)."""
