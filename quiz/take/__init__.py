"""The employee's side: open quizzes, the timed attempt page, results and history."""

from flask import Blueprint

bp = Blueprint("take", __name__)

from . import routes  # noqa: E402,F401
from . import share  # noqa: E402,F401  (the share card)
