"""Finding actions: filters that live in the URL, sorted, counted and paged in SQL.

``ActionFilter.from_args(request.args, reader=...)`` reads a bookmarked list's query
string, for a reader who sees only the programmes they belong to (``policy.readable``);
``list_actions(session, filter, page)`` answers one page with its total, never
loading every row. The CSV/XLSX export reuses ``filtered_query``.

By job: ``filters`` (the URL's filter), ``query`` (conditions, count, page),
``choices`` (what the filter form and the owner field offer), ``detail`` (one
action's page), ``selection`` (a bulk change's actions). The names stay importable
from here.
"""

from __future__ import annotations

from .choices import (
    FilterChoices,
    OrganisationOption,
    OwnerChoices,
    OwnerOption,
    PersonChoice,
    ProgrammeOption,
    filter_choices,
    owner_choices,
    resolve_owner,
)
from .detail import ActionDetail, action_detail, events_of, names_for
from .filters import MAX_DAYS, MAX_TEXT_QUERY, PAGE_SIZE, SORTS, ActionFilter
from .query import ActionRow, Page, count_actions, filtered_query, list_actions
from .selection import BulkOptions, bulk_options, matching_ids, rows_for_ids

__all__ = [
    "MAX_DAYS",
    "MAX_TEXT_QUERY",
    "PAGE_SIZE",
    "SORTS",
    "ActionDetail",
    "ActionFilter",
    "ActionRow",
    "BulkOptions",
    "FilterChoices",
    "OrganisationOption",
    "OwnerChoices",
    "OwnerOption",
    "Page",
    "PersonChoice",
    "ProgrammeOption",
    "action_detail",
    "bulk_options",
    "count_actions",
    "events_of",
    "filter_choices",
    "filtered_query",
    "list_actions",
    "matching_ids",
    "names_for",
    "owner_choices",
    "resolve_owner",
    "rows_for_ids",
]
