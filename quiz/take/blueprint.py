"""The employee's blueprint; its views are in routes (the quiz) and share (the share card)."""

from flask import Blueprint

bp = Blueprint("take", __name__)
