"""The route table, and the OpenAPI 3.1 document generated from it.

Each API view is declared once with ``@operation(...)``: that one declaration
registers the Flask route, makes the view parse its query and body with the given
pydantic models, and adds the operation to the document. The document's schemas
come from those same models (``models_json_schema``), so the description cannot
drift from what the API accepts and answers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Blueprint, Response, request
from flask_babel import gettext
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema

from ..models import TokenScope
from . import errors, schemas
from .auth import Caller, authenticate
from .errors import PROBLEMS, ApiError

PREFIX = "/api/v1"
REF_TEMPLATE = "#/components/schemas/{model}"
JSON = "application/json"
_PATH_PARAM = re.compile(r"\{(\w+)\}")
_INTEGER = re.compile(r"^-?[0-9]{1,20}(\.0+)?$")


@dataclass(frozen=True)
class Operation:
    """One method on one path, with everything the document says about it."""

    method: str
    path: str
    operation_id: str
    summary: str
    description: str
    tag: str
    response: type[BaseModel]
    scope: TokenScope = TokenScope.read
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    conflict: type[BaseModel] | None = None
    path_params: dict[str, str] = field(default_factory=dict)
    # Issue 18: a multipart/form-data body (a file upload; the view parses it with
    # ``parse_form`` once it knows the action exists), and a file as the answer.
    form: type[BaseModel] | None = None
    download: tuple[str, ...] = ()

    @property
    def flask_rule(self) -> str:
        return _PATH_PARAM.sub(r"<int:\1>", self.path)

    @property
    def error_statuses(self) -> list[int]:
        statuses = {401}
        if self.path_params:
            statuses.add(404)
        if self.query is not None:
            statuses.add(400)
        if self.body is not None:
            statuses |= {400, 415, 422}
        if self.form is not None:
            statuses |= {413, 415, 422}
        if self.download:
            statuses.add(410)
        if self.scope == TokenScope.write:
            statuses.add(403)
        if self.conflict is not None:
            statuses.add(409)
        return sorted(statuses)


OPERATIONS: list[Operation] = []


def operation(
    bp: Blueprint, **declared: Any
) -> Callable[[Callable[..., BaseModel | Response]], Any]:
    """Declare, route and describe one API operation (see ``Operation`` for the fields).

    The view is called with the ``caller``, the path ids, and ``query`` and ``body``
    already validated; it returns a response model, which is sent as JSON.
    """
    op = Operation(**declared)
    OPERATIONS.append(op)

    def decorator(view: Callable[..., BaseModel | Response]) -> Callable[..., Response]:
        @wraps(view)
        def endpoint(**path_ids: int) -> Response:
            if any(value > schemas.MAX_ID for value in path_ids.values()):
                raise ApiError("not-found", gettext("There is nothing with this id."))
            caller: Caller = authenticate(op.scope)
            kwargs: dict[str, Any] = dict(path_ids)
            if op.query is not None:
                kwargs["query"] = parse_query(op.query)
            elif request.args:
                raise ApiError(
                    "invalid-parameter",
                    gettext("This operation takes no query parameters."),
                    errors=[
                        {"field": name, "message": "is not a parameter of this operation"}
                        for name in request.args
                    ],
                )
            if op.body is not None:
                kwargs["body"] = parse_body(op.body)
            result = view(caller, **kwargs)
            if isinstance(result, Response):  # a file (``download``)
                return result
            return Response(result.model_dump_json(), mimetype=JSON)

        bp.add_url_rule(op.flask_rule, op.operation_id, endpoint, methods=[op.method])
        return endpoint

    return decorator


# --------------------------------------------------------------------------- parsing


def _types(schema: dict[str, Any], defs: dict[str, Any]) -> set[str]:
    """The JSON types a property accepts (through anyOf and $ref)."""
    if "$ref" in schema:
        return _types(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
    found = {schema["type"]} if isinstance(schema.get("type"), str) else set()
    for member in schema.get("anyOf", []):
        found |= _types(member, defs)
    return found


def _item_schema(schema: dict[str, Any]) -> dict[str, Any]:
    for member in [schema, *schema.get("anyOf", [])]:
        if member.get("type") == "array":
            items: dict[str, Any] = member.get("items", {})
            return items
    return {}


def _coerce(text: str, types: set[str]) -> Any:
    """A query string value as the JSON value it stands for, when it is one."""
    if "integer" in types and _INTEGER.match(text):
        return int(text.partition(".")[0])
    if "boolean" in types and text in ("true", "false"):
        return text == "true"
    return text


def parse_query(model: type[BaseModel]) -> Any:
    """Validate the query string with ``model``: strictly, unknown names refused.

    Values are read as what the document says they are (``page=2`` an integer,
    ``overdue=true`` a boolean) and validated as JSON, so ``overdue=yes`` is an error,
    not a guess.
    """
    schema = model.model_json_schema()
    defs, properties = schema.get("$defs", {}), schema.get("properties", {})
    data: dict[str, Any] = {}
    for name in request.args:
        values = request.args.getlist(name)
        prop = properties.get(name)
        if prop is None:
            data[name] = values[0]
        elif "array" in _types(prop, defs):
            item_types = _types(_item_schema(prop), defs)
            data[name] = [_coerce(v, item_types) for v in values]
        elif len(values) > 1:
            data[name] = values  # refused: one value expected
        else:
            data[name] = _coerce(values[0], _types(prop, defs))
    try:
        return model.model_validate_json(json.dumps(data))
    except ValidationError as exc:
        raise errors.invalid(exc, where="query") from None


def parse_body(model: type[BaseModel]) -> Any:
    """Validate the JSON body with ``model``: bad JSON is 400, an invalid body 422."""
    if request.mimetype != JSON:
        raise ApiError(
            "unsupported-media-type",
            gettext("Send the body as JSON, with Content-Type: application/json."),
        )
    try:
        return model.model_validate_json(request.get_data(cache=False) or b"")
    except ValidationError as exc:
        raise errors.invalid(exc, where="body") from None


MULTIPART = "multipart/form-data"


@dataclass(frozen=True)
class FormBody:
    """A validated multipart body, and the file name each file part was sent with."""

    body: Any
    filenames: dict[str, str]


def parse_form(model: type[BaseModel]) -> FormBody:
    """Validate a multipart/form-data body with ``model``: text parts and file parts."""
    if request.mimetype != MULTIPART:
        raise ApiError("unsupported-media-type", gettext("Send the body as multipart/form-data."))
    data: dict[str, Any] = {name: request.form.get(name) for name in request.form}
    filenames: dict[str, str] = {}
    for name, storage in request.files.items():
        data[name] = storage.read()
        filenames[name] = storage.filename or name
    try:
        return FormBody(model.model_validate(data), filenames)
    except ValidationError as exc:
        raise errors.invalid(exc, where="body") from None


# --------------------------------------------------------------------------- document


def _schema_models() -> list[tuple[type[BaseModel], Any]]:
    pairs: list[tuple[type[BaseModel], Any]] = [(schemas.Problem, "serialization")]
    for op in OPERATIONS:
        pairs.append((op.response, "serialization"))
        if op.conflict is not None:
            pairs.append((op.conflict, "serialization"))
        if op.query is not None:
            pairs.append((op.query, "validation"))
        if op.body is not None:
            pairs.append((op.body, "validation"))
        if op.form is not None:
            pairs.append((op.form, "validation"))
    return list(dict.fromkeys(pairs))


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF_TEMPLATE.format(model=model.__name__)}


def _content(model: type[BaseModel], media: str = JSON) -> dict[str, Any]:
    return {media: {"schema": _ref(model)}}


def _query_parameters(model: type[BaseModel], components: dict[str, Any]) -> list[Any]:
    schema = components[model.__name__]
    required = set(schema.get("required", []))
    parameters = []
    for name, prop in schema.get("properties", {}).items():
        prop = {k: v for k, v in prop.items() if k not in ("title", "description")}
        parameter: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": prop,
        }
        description = model.model_fields[name].description
        if description:
            parameter["description"] = description
        if prop.get("type") == "array" or any(
            m.get("type") == "array" for m in prop.get("anyOf", [])
        ):
            parameter["style"], parameter["explode"] = "form", True
        parameters.append(parameter)
    return parameters


def _responses(op: Operation) -> dict[str, Any]:
    responses: dict[str, Any] = {
        "200": {"description": op.response.__doc__ or "OK", "content": _content(op.response)}
    }
    if op.download:
        binary = {"schema": {"type": "string", "format": "binary"}}
        responses["200"] = {
            "description": "The file, as an attachment.",
            "content": dict.fromkeys(op.download, binary),
        }
    for status in op.error_statuses:
        slugs = [slug for slug, (code, _t, _m) in PROBLEMS.items() if code == status]
        meaning = " / ".join(PROBLEMS[s][1] for s in slugs)
        model = op.conflict if status == 409 and op.conflict else schemas.Problem
        responses[str(status)] = {
            "description": meaning,
            "content": _content(model, errors.PROBLEM_MIMETYPE),
        }
    return responses


def _operation_object(op: Operation, components: dict[str, Any]) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "description": description,
            "schema": {"type": "integer", "minimum": 1, "maximum": schemas.MAX_ID},
        }
        for name, description in op.path_params.items()
    ]
    if op.query is not None:
        parameters += _query_parameters(op.query, components)
    described: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "description": op.description,
        "tags": [op.tag],
        "security": [{"bearerAuth": []}],
        "x-scope": op.scope.value,
    }
    if parameters:
        described["parameters"] = parameters
    if op.body is not None:
        described["requestBody"] = {"required": True, "content": _content(op.body)}
    if op.form is not None:
        described["requestBody"] = {"required": True, "content": _content(op.form, MULTIPART)}
    described["responses"] = _responses(op)
    return described


def build_document(server_url: str = PREFIX) -> dict[str, Any]:
    """The whole OpenAPI 3.1 document, from the route table and the models."""
    _keys, top = models_json_schema(_schema_models(), ref_template=REF_TEMPLATE)
    components: dict[str, Any] = top.get("$defs", {})
    paths: dict[str, Any] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation_object(op, components)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Tracker API",
            "version": "1.0.0",
            "summary": "Mine Action Review recommendations tracked as actions.",
            "description": (
                "Read programmes, their treaty deadlines, reports, scorecards, "
                "recommendations, actions and summary figures; update actions under the "
                "same rules as the web pages. Authenticate with a personal API token from "
                "your profile page: Authorization: Bearer <token>. Errors are "
                "application/problem+json (RFC 9457)."
            ),
        },
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "servers": [{"url": server_url}],
        "security": [{"bearerAuth": []}],
        "tags": [{"name": tag} for tag in dict.fromkeys(op.tag for op in OPERATIONS)],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal API token, created on your profile page.",
                }
            },
        },
    }
