"""Every operation of the API documents what it answers: a typed 2xx body (or none, for 204),
so clients and the schema-driven tests know the shape of every success."""

from __future__ import annotations

import httpx

FILE_TYPES = {"text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/html"}


def untyped_successes(schema: dict) -> list[str]:
    found = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            successes = {code: r for code, r in operation.get("responses", {}).items() if code.startswith("2")}
            if not successes:
                found.append(f"{method.upper()} {path}: no 2xx response")
            for code, response in successes.items():
                if code == "204":
                    continue
                content = response.get("content") or {}
                typed = any(
                    media in FILE_TYPES or _has_shape(body.get("schema") or {}) for media, body in content.items()
                )
                if not typed:
                    found.append(f"{method.upper()} {path}: {code} without a schema")
    return found


def _has_shape(schema: dict) -> bool:
    """An object with properties, a reference to a component, an array of such, or a scalar type;
    a bare ``{}`` or an object without properties says nothing."""
    if "$ref" in schema:
        return True
    if "oneOf" in schema or "anyOf" in schema:
        return all(_has_shape(s) for s in schema.get("oneOf", schema.get("anyOf", [])))
    kind = schema.get("type")
    if kind == "array":
        return _has_shape(schema.get("items") or {})
    if kind == "object":
        return bool(schema.get("properties")) or _has_shape(schema.get("additionalProperties") or {})
    return kind in {"string", "integer", "number", "boolean", "null"}


async def test_every_operation_has_a_typed_success_response(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    assert untyped_successes(schema) == []


def test_the_check_sees_an_untyped_response() -> None:
    schema = {
        "paths": {
            "/a": {"get": {"responses": {"200": {"content": {"application/json": {"schema": {}}}}}}},
            "/b": {"post": {"responses": {"201": {"content": {"application/json": {"schema": {"$ref": "#/x"}}}}}}},
            "/c": {"delete": {"responses": {"204": {"description": "gone"}}}},
            "/d": {"get": {"responses": {"200": {"content": {"application/json": {"schema": {"type": "object"}}}}}}},
        }
    }
    assert untyped_successes(schema) == ["GET /a: 200 without a schema", "GET /d: 200 without a schema"]
