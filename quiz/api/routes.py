"""The JSON API, gathered on one blueprint (create_app registers it from here)."""

from . import accounts, attempts, boards, campaigns, learning, marks, offline, org, records, trainer, training  # noqa: F401  (each registers its endpoints on bp)
from .blueprint import bp

__all__ = ["bp"]
