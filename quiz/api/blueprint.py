"""The JSON API's blueprint (/api/v1); its endpoints are in one module per feature."""

from apiflask import APIBlueprint

bp = APIBlueprint("api", __name__, url_prefix="/api/v1", tag="API")

#: The security requirement of every endpoint that needs a signed-in caller.
BEARER = [{"BearerAuth": []}]
