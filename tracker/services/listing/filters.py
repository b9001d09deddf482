"""The list's filter as the URL carries it: ``ActionFilter.from_args`` and ``to_args``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from ...models import Status, User, Verification
from .. import policy

PAGE_SIZE = 50
SORTS = ("due", "status", "changed")
MAX_TEXT_QUERY = 200
MAX_DAYS = 36_500
MAX_OWNER_TEXT = 254


class _Args(Protocol):
    def get(self, key: str, default: Any = None) -> Any: ...

    def getlist(self, key: str) -> list[str]: ...


@dataclass(frozen=True)
class ActionFilter:
    """One list of actions, as a bookmarkable query string describes it.

    ``owned_by`` is set by "my actions" (not from the URL): actions owned by that
    user or by their organisation. ``reader`` is whose list it is: only actions of the
    programmes they may read match, whatever the query string says.
    """

    statuses: tuple[Status, ...] = ()
    owner_user_id: int | None = None
    # The owner as typed in the filter form (a name or an e-mail); ``resolve_owner``
    # finds the person and sets ``owner_user_id``. Links carry the text as typed.
    owner_text: str = ""
    # Set by ``resolve_owner`` when the typed owner names nobody ("nobody") or several
    # people ("several"): then the filter matches no action rather than every one.
    owner_unresolved: str = ""
    unassigned: bool = False
    organisation_id: int | None = None
    edition: str | None = None
    programme_id: int | None = None
    overdue: bool = False
    # The weekly escalation digest's link: exactly the actions it escalates (issue 15).
    escalated: bool = False
    due_within_days: int | None = None
    text: str = ""
    sort: str = "due"
    # Lineage: carried by at least this many editions; not carried by the latest one.
    min_editions: int | None = None
    not_in_latest: bool = False
    # Issue 14: only actions in this verification state (``verification=awaiting``).
    verification: Verification | None = None
    owned_by: User | None = None
    problems: tuple[str, ...] = field(default=(), compare=False)
    reader: policy.Access = field(default=policy.NOBODY, compare=False)

    @classmethod
    def from_args(cls, args: _Args | Mapping[str, str], *, reader: policy.Who) -> ActionFilter:
        """Read ``status`` (repeatable), ``owner`` (id, ``none``, or a name or e-mail for
        ``resolve_owner``), ``organisation``,
        ``edition``, ``programme``, ``overdue=1``, ``due_within`` (days), ``q``, ``sort``,
        ``editions`` (repeated in at least N editions), ``not_latest=1``, ``escalated=1``
        and ``verification`` (``awaiting``, ``verified`` or ``not_required``).

        A malformed value is left out and named in ``problems``, never an error page.
        """
        problems: list[str] = []
        getlist = getattr(args, "getlist", None)
        raw_statuses = getlist("status") if getlist else [args.get("status") or ""]
        statuses: list[Status] = []
        for value in raw_statuses:
            if not value:
                continue
            try:
                statuses.append(Status(value))
            except ValueError:
                problems.append(f"status {value[:40]!r}")
        owner = str(args.get("owner") or "").strip()
        unassigned = owner == "none" or str(args.get("unassigned") or "") in ("1", "on")
        sort = str(args.get("sort") or "due")
        if sort not in SORTS:
            problems.append(f"sort {sort[:40]!r}")
            sort = "due"
        text = str(args.get("q") or "").strip()[:MAX_TEXT_QUERY]
        return cls(
            statuses=tuple(dict.fromkeys(statuses)),
            owner_user_id=_int(owner, "owner", problems) if owner.isdigit() else None,
            owner_text="" if unassigned or owner.isdigit() else owner[:MAX_OWNER_TEXT],
            unassigned=unassigned,
            organisation_id=_int(args.get("organisation"), "organisation", problems),
            edition=str(args.get("edition") or "").strip()[:200] or None,
            programme_id=_int(args.get("programme"), "programme", problems),
            overdue=str(args.get("overdue") or "") in ("1", "true", "on", "yes"),
            escalated=str(args.get("escalated") or "") in ("1", "true", "on", "yes"),
            due_within_days=_int(args.get("due_within"), "due_within", problems, MAX_DAYS),
            text=text,
            sort=sort,
            min_editions=_int(args.get("editions"), "editions", problems, 1000),
            not_in_latest=str(args.get("not_latest") or "") in ("1", "true", "on", "yes"),
            verification=_verification(args.get("verification"), problems),
            problems=tuple(problems),
            reader=policy.as_access(reader),
        )

    def to_args(self, **overrides: Any) -> dict[str, Any]:
        """The query string of this filter (for links: sorting, pages, exports)."""
        f = replace(self, **overrides) if overrides else self
        args: dict[str, Any] = {}
        if f.statuses:
            args["status"] = [s.value for s in f.statuses]
        if f.unassigned:
            args["owner"] = "none"
        elif f.owner_text:
            args["owner"] = f.owner_text
        elif f.owner_user_id is not None:
            args["owner"] = f.owner_user_id
        for key, value in (
            ("organisation", f.organisation_id),
            ("edition", f.edition),
            ("programme", f.programme_id),
            ("due_within", f.due_within_days),
            ("editions", f.min_editions),
        ):
            if value is not None:
                args[key] = value
        if f.overdue:
            args["overdue"] = "1"
        if f.not_in_latest:
            args["not_latest"] = "1"
        if f.escalated:
            args["escalated"] = "1"
        if f.verification is not None:
            args["verification"] = f.verification.value
        if f.text:
            args["q"] = f.text
        if f.sort != "due":
            args["sort"] = f.sort
        return args

    @property
    def is_empty(self) -> bool:
        return not self.to_args(sort="due")


def _int(value: object, name: str, problems: list[str], upper: int = 2**31 - 1) -> int | None:
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) > upper:
        problems.append(f"{name} {text[:40]!r}")
        return None
    return int(text)


def _verification(value: object, problems: list[str]) -> Verification | None:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return Verification(text)
    except ValueError:
        problems.append(f"verification {text[:40]!r}")
        return None
