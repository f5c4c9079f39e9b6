"""The trainers' blueprint; its views are in imports, questions, quizzes and results."""

from flask import Blueprint

bp = Blueprint("trainer", __name__, url_prefix="/trainer")
