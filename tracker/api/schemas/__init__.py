"""Every body and query the API reads or writes, as pydantic models.

These classes validate requests and shape responses, and the OpenAPI document is
generated from them (``openapi.py``), so what is described is what is checked.
Request models forbid unknown fields and are strict: ``"5"`` is not a number, an
unknown key is an error, a text has a maximum length.

One module per subject (``common``: the typed values, errors and the token check;
``programmes``, ``actions``, ``requests``, ``summary``); callers name them all from
here, as ``schemas.ActionDetail``.
"""

from __future__ import annotations

from .actions import (
    ActionDetail,
    ActionOut,
    ActionPage,
    EditionTextOut,
    EventOut,
    OwnerOut,
    StaleVersionProblem,
)
from .bulk import BulkChange, BulkItemIn, BulkItemOut, BulkResult, BulkUpdate
from .common import (
    DEFAULT_PER_PAGE,
    MAX_ID,
    MAX_PER_PAGE,
    MAX_TEXT,
    MAX_URL,
    Days,
    FieldError,
    Id,
    PageNumber,
    PerPage,
    Problem,
    ProgrammeRole,
    RequestModel,
    ShortText,
    Text,
    TokenInfo,
    Url,
)
from .evidence import EvidenceList, EvidenceOut, EvidenceUpload
from .programmes import (
    CriterionOut,
    DeadlineChangeOut,
    LinkOut,
    ProgrammeDetail,
    ProgrammeList,
    ProgrammeOut,
    RecommendationList,
    RecommendationOut,
    ReportList,
    ReportOut,
)
from .requests import NEEDS_REASON, ActionQuery, ActionUpdate, ChangeFields, OwnerIn
from .summary import (
    BurnupOut,
    FiguresOut,
    OverdueOut,
    OwnerFigures,
    ScoreOut,
    StatusCount,
    SummaryOut,
)

__all__ = [
    "DEFAULT_PER_PAGE",
    "MAX_ID",
    "MAX_PER_PAGE",
    "MAX_TEXT",
    "MAX_URL",
    "NEEDS_REASON",
    "ActionDetail",
    "ActionOut",
    "ActionPage",
    "ActionQuery",
    "ActionUpdate",
    "BulkChange",
    "BulkItemIn",
    "BulkItemOut",
    "BulkResult",
    "BulkUpdate",
    "BurnupOut",
    "ChangeFields",
    "CriterionOut",
    "Days",
    "DeadlineChangeOut",
    "EditionTextOut",
    "EventOut",
    "EvidenceList",
    "EvidenceOut",
    "EvidenceUpload",
    "FieldError",
    "FiguresOut",
    "Id",
    "LinkOut",
    "OverdueOut",
    "OwnerFigures",
    "OwnerIn",
    "OwnerOut",
    "PageNumber",
    "PerPage",
    "Problem",
    "ProgrammeDetail",
    "ProgrammeList",
    "ProgrammeOut",
    "ProgrammeRole",
    "RecommendationList",
    "RecommendationOut",
    "ReportList",
    "ReportOut",
    "RequestModel",
    "ScoreOut",
    "ShortText",
    "StaleVersionProblem",
    "StatusCount",
    "SummaryOut",
    "Text",
    "TokenInfo",
    "Url",
]
