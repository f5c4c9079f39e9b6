"""Training: practice, the wrong-answer notebook, mastery, 安全知识闯关 levels, certificates, QR codes.

Two blueprints: ``training`` (/training/...) for signed-in users, and ``verify``
(/verify/<code>), the public page that confirms a certificate is genuine.
"""

from flask import Blueprint

bp = Blueprint("training", __name__, url_prefix="/training", cli_group="training")
verify_bp = Blueprint("verify", __name__)

from . import cli, routes, verify  # noqa: E402,F401
