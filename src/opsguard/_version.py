"""The version, in a leaf module: reading it imports nothing else of opsguard."""

__version__ = "0.1.0"
