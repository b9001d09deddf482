"""The API's description, as JSON for machines and as a page for people.

Both are public. The page is rendered by our own template from the same OpenAPI
document, so it needs no third-party viewer (and no inline script or style). The document
stays English for machines; the page shows its prose in the reader's language, the
messages being extracted from the document itself (``catalogue.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Response, json, render_template, url_for
from flask_babel import gettext
from markupsafe import Markup, escape

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
    type: Markup
    required: bool
    description: str
    links: list[str] = field(default_factory=list)


def _t(text: str) -> str:
    """The reader's translation of a text of the document (no placeholders are filled)."""
    return gettext(text) if text else ""


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _words(translated: str, **values: Markup | str) -> Markup:
    """A translated phrase around code: the phrase escaped, the values kept as given
    (``translated`` is ``gettext(...)`` without values, so its placeholders remain)."""
    return escape(translated) % values


def describe(schema: dict[str, Any], links: list[str] | None = None) -> Markup:
    """A schema in a few words: ``list of Status``, ``string (date) or null``, ``integer 1..``;
    names and values as code, the words around them in the reader's language."""
    links = links if links is not None else []
    if "$ref" in schema:
        name = _ref_name(schema["$ref"])
        links.append(name)
        return Markup("<code>%s</code>") % name
    if "anyOf" in schema:
        return escape(gettext(" or ")).join(describe(m, links) for m in schema["anyOf"])
    if "const" in schema:
        return Markup("<code>%s</code>") % json.dumps(schema["const"])
    if "enum" in schema:
        values = Markup(", ").join(Markup("<code>%s</code>") % v for v in schema["enum"])
        return _words(gettext("one of %(values)s"), values=values)
    kind = schema.get("type", "any")
    if kind == "array":
        return _words(gettext("list of %(items)s"), items=describe(schema.get("items", {}), links))
    text = Markup("<code>%s</code>") % kind
    if "format" in schema:
        text += Markup(" (<code>%s</code>)") % schema["format"]
    limits: list[Markup | str] = []
    if "minimum" in schema or "maximum" in schema:
        limits.append(f"{schema.get('minimum', '')}..{schema.get('maximum', '')}")
    if "maxLength" in schema:
        limits.append(gettext("at most %(n)s characters", n=schema["maxLength"]))
    if limits:
        text += Markup(", ") + Markup(", ").join(limits)
    return text


def _fields(schema: dict[str, Any]) -> list[Row]:
    required = set(schema.get("required", []))
    rows = []
    for name, prop in schema.get("properties", {}).items():
        links: list[str] = []
        rows.append(
            Row(
                name,
                describe(prop, links),
                name in required,
                _t(prop.get("description", "")),
                links,
            )
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
                        Markup("<code>%s</code>: ") % p["in"] + describe(p["schema"], links),
                        p["required"],
                        _t(p.get("description", "")),
                        links,
                    )
                )
            body_media, body = next(
                iter(op.get("requestBody", {}).get("content", {}).items()), (None, None)
            )
            responses = []
            for status, response in op["responses"].items():
                media, content = next(iter(response["content"].items()))
                # A file (issue 18) has no schema of ours: its media types, then "file".
                if "$ref" not in content["schema"]:
                    media = ", ".join(response["content"])
                responses.append(
                    {
                        "status": status,
                        "description": _t(response["description"]),
                        "media": media,
                        "schema": _ref_name(content["schema"]["$ref"])
                        if "$ref" in content["schema"]
                        else None,
                    }
                )
            operations.append(
                {
                    "id": op["operationId"],
                    "method": method.upper(),
                    "path": document["servers"][0]["url"] + path,
                    "summary": _t(op["summary"]),
                    "description": _t(op["description"]),
                    "tag": op["tags"][0],
                    "scope": op["x-scope"],
                    "parameters": parameters,
                    "body": _ref_name(body["schema"]["$ref"]) if body else None,
                    "body_media": body_media,
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
            "description": _t(schema.get("description", "")),
            "fields": _fields(schema),
            "values": schema.get("enum"),
        }
        for name, schema in sorted(document["components"]["schemas"].items())
    }
    problems = [
        {"slug": slug, "status": status, "title": _t(title), "meaning": _t(meaning)}
        for slug, (status, title, meaning) in PROBLEMS.items()
    ]
    return render_template(
        "api/docs.html",
        info=document["info"] | {"description": _t(document["info"]["description"])},
        operations=_operations(document),
        schemas=schemas,
        problems=problems,
        openapi_url=url_for("api.openapi_document"),
    )
