"""Benchmark harness for kconfig: the reference fleet (FLEET.md) and the runner."""
