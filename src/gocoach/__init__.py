"""gocoach: a self-hosted coach for Go engineers (Middle → Senior → Architect)."""

__version__ = "0.1.0"
