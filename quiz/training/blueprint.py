"""The training blueprints: ``training`` (/training/...) for signed-in users, and ``verify``
(/verify/<code>), the public page that confirms a certificate is genuine."""

from flask import Blueprint

bp = Blueprint("training", __name__, url_prefix="/training", cli_group="training")
verify_bp = Blueprint("verify", __name__)
