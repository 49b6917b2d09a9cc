"""Day two: changing and inspecting a project. The comment-preserving YAML edit
engine, ``set image``, ``promote``, ``explain`` and ``diff``."""
