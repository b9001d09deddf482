"""The API's description, as JSON for machines and as a page for people.

Both are public. The page is rendered by our own template from the same OpenAPI
document, so it needs no third-party viewer (and no inline script or style).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Response, json, render_template, url_for

from .blueprint import bp
from .errors import PROBLEMS
from .openapi import build_document


@bp.get("/openapi.json")
def openapi_document() -> Response:
    """The OpenAPI 3.1 document (public)."""
    response = Response(json.dumps(build_document()), mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@dataclass
class Row:
    """One parameter or field on the page: name, type in words, and what it is for."""

    name: str
    type: str
    required: bool
    description: str
    links: list[str] = field(default_factory=list)


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def describe(schema: dict[str, Any], links: list[str] | None = None) -> str:
    """A schema in a few words: ``list of Status``, ``string (date) or null``, ``integer 1..``."""
    links = links if links is not None else []
    if "$ref" in schema:
        name = _ref_name(schema["$ref"])
        links.append(name)
        return name
    if "anyOf" in schema:
        return " or ".join(describe(member, links) for member in schema["anyOf"])
    if "const" in schema:
        return json.dumps(schema["const"])
    if "enum" in schema:
        return "one of " + ", ".join(str(v) for v in schema["enum"])
    kind = schema.get("type", "any")
    if kind == "array":
        return "list of " + describe(schema.get("items", {}), links)
    text = str(kind)
    if "format" in schema:
        text += f" ({schema['format']})"
    limits = []
    if "minimum" in schema or "maximum" in schema:
        limits.append(f"{schema.get('minimum', '')}..{schema.get('maximum', '')}")
    if "maxLength" in schema:
        limits.append(f"at most {schema['maxLength']} characters")
    if limits:
        text += ", " + ", ".join(limits)
    return text


def _fields(schema: dict[str, Any]) -> list[Row]:
    required = set(schema.get("required", []))
    rows = []
    for name, prop in schema.get("properties", {}).items():
        links: list[str] = []
        rows.append(
            Row(name, describe(prop, links), name in required, prop.get("description", ""), links)
        )
    return rows


def _operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    operations = []
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            parameters = []
            for p in op.get("parameters", []):
                links: list[str] = []
                parameters.append(
                    Row(
                        p["name"],
                        f"{p['in']}: {describe(p['schema'], links)}",
                        p["required"],
                        p.get("description", ""),
                        links,
                    )
                )
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            responses = []
            for status, response in op["responses"].items():
                media, content = next(iter(response["content"].items()))
                responses.append(
                    {
                        "status": status,
                        "description": response["description"],
                        "media": media,
                        "schema": _ref_name(content["schema"]["$ref"]),
                    }
                )
            operations.append(
                {
                    "id": op["operationId"],
                    "method": method.upper(),
                    "path": document["servers"][0]["url"] + path,
                    "summary": op["summary"],
                    "description": op["description"],
                    "tag": op["tags"][0],
                    "scope": op["x-scope"],
                    "parameters": parameters,
                    "body": _ref_name(body["schema"]["$ref"]) if body else None,
                    "responses": responses,
                }
            )
    return operations


@bp.get("/docs")
def docs_page() -> str:
    """The document as a readable page: operations, schemas, problems (public)."""
    document = build_document()
    schemas = {
        name: {
            "description": schema.get("description", ""),
            "fields": _fields(schema),
            "values": schema.get("enum"),
        }
        for name, schema in sorted(document["components"]["schemas"].items())
    }
    problems = [
        {"slug": slug, "status": status, "title": title, "meaning": meaning}
        for slug, (status, title, meaning) in PROBLEMS.items()
    ]
    return render_template(
        "api/docs.html",
        info=document["info"],
        operations=_operations(document),
        schemas=schemas,
        problems=problems,
        openapi_url=url_for("api.openapi_document"),
    )
