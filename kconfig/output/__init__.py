"""Output: the GitOps tree. ``plan`` (pure: manifests -> ``{path: bytes}``), ``writer``
(the one writer: atomic swap per environment, owned-file pruning, ``--check`` diffs),
``gitops`` (Argo CD and Flux objects), ``branches`` (one commit per environment branch)."""
