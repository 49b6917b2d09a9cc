"""Day two: changing and inspecting a project. ``edit`` (the comment-keeping YAML edit
engine, ``set image``), ``promote``, ``explain`` (which layer set a value), ``diff``
(between environments, or against a build folder)."""
