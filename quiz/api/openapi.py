"""Adjustments to the generated OpenAPI document."""

from __future__ import annotations

from .schemas import ERROR_SCHEMA


def _resolve(spec: dict, schema: dict) -> dict:
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        return spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return schema


def init_app(app) -> None:
    # Our error body, not APIFlask's, for every documented error response.
    app.config["HTTP_ERROR_SCHEMA"] = ERROR_SCHEMA
    app.config["VALIDATION_ERROR_SCHEMA"] = ERROR_SCHEMA

    @app.spec_processor
    def require_bodies_with_required_fields(spec: dict) -> dict:
        """A request body whose schema has required fields is itself required (APIFlask leaves it optional)."""
        for operations in spec.get("paths", {}).values():
            for operation in operations.values():
                body = operation.get("requestBody") if isinstance(operation, dict) else None
                if not body:
                    continue
                for media in body.get("content", {}).values():
                    if _resolve(spec, media.get("schema", {})).get("required"):
                        body["required"] = True
        return spec
