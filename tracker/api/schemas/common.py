"""What every operation shares: the typed values a request may hold, the base of request
models, the problem (error) bodies, and who a token acts as."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from ...models import TokenScope

MAX_ID = 2**31 - 1  # the largest id the databases store; larger ones do not exist
MAX_TEXT = 10_000  # as the workflow service: comments and reasons
MAX_URL = 1_000
MAX_PER_PAGE = 200
DEFAULT_PER_PAGE = 50

# Text may hold any character but NUL, which PostgreSQL cannot store.
_NO_NUL = r"^[^\x00]*$"


def _integral(value: object) -> object:
    """JSON Schema counts 448.0 as an integer, so the API does too (strictly: not "448")."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


_Integral = BeforeValidator(_integral)
# Constraints before the validator: after it, pydantic writes them as "ge", not "minimum".
Id = Annotated[int, Field(ge=1, le=MAX_ID), _Integral]
Days = Annotated[int, Field(ge=0, le=36_500), _Integral]
PageNumber = Annotated[int, Field(ge=1, le=1_000_000), _Integral]
PerPage = Annotated[int, Field(ge=1, le=MAX_PER_PAGE), _Integral]
Text = Annotated[str, StringConstraints(max_length=MAX_TEXT, pattern=_NO_NUL)]
Url = Annotated[str, StringConstraints(max_length=MAX_URL, pattern=_NO_NUL)]
ShortText = Annotated[str, StringConstraints(max_length=200, pattern=_NO_NUL)]


class Schema(BaseModel):
    """The base of every API model.

    Its validator and serializer are built by its first use, not when the module is
    imported: building the ~40 models' core schemas was a tenth of every command's
    start-up (``create_app`` imports the API to register its routes), and a command
    never validates a request.
    """

    model_config = ConfigDict(defer_build=True)


class RequestModel(Schema):
    """A request part: unknown fields are errors, types are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True)


class FieldError(Schema):
    field: str = Field(description="Where the problem is: a body field, or a query parameter.")
    message: str


class Problem(Schema):
    """An error, as RFC 9457 application/problem+json."""

    type: str = Field(description="A URI naming the kind of problem; see the docs page.")
    title: str
    status: int
    detail: str = Field(description="What went wrong and what to do, in plain words.")
    errors: list[FieldError] | None = Field(
        default=None, description="One entry per invalid field, when the request was invalid."
    )


class ProgrammeRole(Schema):
    """The role a person holds in one programme."""

    programme_id: int
    country: str
    treaty: str
    role: str = Field(description="coordinator, owner or viewer in this programme.")


class TokenInfo(Schema):
    """Who the token acts as: handy to check a token works."""

    user_id: int
    name: str
    role: str = Field(
        description="The account's role: admin acts in every programme; for anyone else "
        "what they may do is the role of each programme in `programmes`."
    )
    organisation_id: int | None
    scope: TokenScope
    programmes: list[ProgrammeRole] = Field(
        default_factory=list,
        description="The programmes the person belongs to, with their role in each "
        "(empty for an admin, who acts in all).",
    )
