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
    def complete_operations(spec: dict) -> dict:
        """Document what every operation can answer, and require bodies that have required fields.

        Any request can be malformed (broken JSON, a NUL character, a stale CSRF token with
        a session cookie): 400.  APIFlask leaves request bodies optional even when their
        schema has required fields.
        """
        for operations in spec.get("paths", {}).values():
            for operation in operations.values():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                operation["responses"].setdefault("400", {
                    "description": "Malformed request",
                    "content": {"application/json": {"schema": ERROR_SCHEMA}},
                })
                body = operation.get("requestBody")
                if not body:
                    continue
                for media in body.get("content", {}).values():
                    if _resolve(spec, media.get("schema", {})).get("required"):
                        body["required"] = True
        return spec
