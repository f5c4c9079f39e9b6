"""The trainers' pages, gathered on one blueprint (create_app registers it from here)."""

from . import health, imports, questions, quizzes, results  # noqa: F401  (each registers its views on bp)
from .blueprint import bp

__all__ = ["bp"]
