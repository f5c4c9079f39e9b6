"""The JSON API, /api/v1 (contract fixed: outside clients use it)."""

from apiflask import APIBlueprint

bp = APIBlueprint("api", __name__, url_prefix="/api/v1", tag="API")

from . import routes  # noqa: E402,F401  (routes register themselves on bp)
from . import marks  # noqa: E402,F401  (标记: contest UI)
