"""`/openapi.json`: the management API described from its own operation table and models.

Paths, methods, status codes and auth come from the `Operation` list the router is built
from; request and reply schemas are the pydantic models' JSON schemas. Nothing is written
by hand twice, so the document cannot drift from what the server does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from statusgen import __version__
from statusgen.server.manage import models as m
from statusgen.server.manage.api import Operation

REF = "#/components/schemas/{model}"
ERROR_TEXT = {
    400: "Missing or invalid fields (the message says which), or a body that is not a JSON "
    "object or nests too deeply",
    401: "Missing or invalid bearer token",
    404: "Not found",
    409: "The slug is taken, or a file on disk is invalid (a hand edit): fix it first",
    500: "git commit failed: nothing was changed",
    503: "Another statusgen writer held the lock too long: retry",
}


def openapi_document(
    operations: Sequence[Operation], server_ids: Sequence[str] | None = None
) -> dict[str, Any]:
    """An OpenAPI 3.1 document of `operations`; `server_ids` (the config's service and
    node ids, all that `servers` and `affected_servers` accept) are listed as an enum."""
    models: list[tuple[type[BaseModel], str]] = [(m.Error, "serialization")]
    for op in operations:
        if op.request is not None:
            models.append((op.request, "validation"))
        if op.reply is not None:
            models.append((op.reply, "serialization"))
    unique = list(dict.fromkeys(models))
    requests = {op.request.__name__ for op in operations if op.request is not None}
    _, schemas = models_json_schema(unique, ref_template=REF)
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "statusgen management API",
            "version": __version__,
            "description": "Status pages, incidents, updates and announcements of a "
            "statusgen page. Every write lands in the project's files (config and "
            "Markdown content).",
        },
        "paths": paths,
        "components": {
            "schemas": _servers(_tidy(schemas.get("$defs", {})), requests, server_ids),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _operation(op: Operation) -> dict[str, Any]:
    reply = _ref(op.reply) if op.reply is not None else {"type": "object"}
    responses = {str(op.status): _json(reply, "Success")}
    codes = sorted({*op.errors, *((401,) if op.auth else ())})
    for code in codes:
        responses[str(code)] = _json(_ref(m.Error), ERROR_TEXT[code])
    entry: dict[str, Any] = {
        "operationId": op.handler.__name__,
        "summary": op.summary,
        "security": [{"bearer": []}] if op.auth else [],
        "responses": responses,
    }
    params = re.findall(r"{(\w+)}", op.path)
    if params:
        entry["parameters"] = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in params
        ]
    if op.request is not None:
        responses["413"] = {
            "description": "Request body over server.body_limit",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
        body = _ref(op.request)
        entry["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return entry


def _servers(
    schemas: dict[str, Any], requests: set[str], ids: Sequence[str] | None
) -> dict[str, Any]:
    """`servers` and `affected_servers` of requests as the ids this server knows."""
    if ids is None:
        return schemas
    for name in requests:
        schema = schemas[name]
        for field, prop in schema.get("properties", {}).items():
            if field in ("servers", "affected_servers") and "items" in prop:
                if ids:
                    prop["items"] = {"type": "string", "enum": list(ids)}
                else:
                    prop["maxItems"] = 0
    return schemas


def _tidy(value: Any) -> Any:
    """Drop `default: null` where null is not a valid value (optional fields the API
    does not let clients null) and pydantic's per-field titles."""
    if isinstance(value, dict):
        out = {k: _tidy(v) for k, v in value.items()}
        if out.get("default", 0) is None and "anyOf" not in out and out.get("type") != "null":
            del out["default"]
        props = out.get("properties")
        if isinstance(props, dict):
            for prop in props.values():
                if isinstance(prop, dict):
                    prop.pop("title", None)
        return out
    if isinstance(value, list):
        return [_tidy(v) for v in value]
    return value
