"""Check: validation. kconfig's input schemas, the Kubernetes and CRD schema store,
the semantic checks, and the located report of every problem."""
