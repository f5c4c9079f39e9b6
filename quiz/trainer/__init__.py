"""The trainers' side (培训管理员): question bank, bulk upload, quiz builder, results and item analysis."""

from flask import Blueprint

bp = Blueprint("trainer", __name__, url_prefix="/trainer")

from . import imports, questions, quizzes, results  # noqa: E402,F401
