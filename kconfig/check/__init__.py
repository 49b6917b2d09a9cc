"""Check: validation, never rendering. ``validate`` checks an environment's input files
(kconfig's schemas, located) and its rendered manifests (``schemas``: the Kubernetes, CRD
and own-kind schema store; ``semantic``: what no schema catches), and holds the
:class:`~kconfig.check.validate.Report`. The recipe in :mod:`kconfig.run` puts them around
the render."""
