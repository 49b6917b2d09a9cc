"""kconfig's version; also part of every render-cache key."""

__version__ = "0.1.0"
