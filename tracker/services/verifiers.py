"""Who verifies in a programme, and whether it requires verification (issue 14).

A programme names its verifiers on their membership (``Membership.verifies``): a
flag beside the role rather than a role of its own, because the natural verifier is
an owner too (CMAA quality assurance owns the QA-capacity action and verifies the
others), and a person holds one role per programme. Coordinators verify without it.
Both settings are administrative changes, journalled in the audit trail; the caller
commits.
"""

from __future__ import annotations

from flask_babel import gettext
from sqlmodel import Session, col, select

from ..models import Action, Membership, Programme, User, Verification
from . import policy
from .audit import AuditActor, record_audit
from .journal import reschedule_reminders
from .memberships import MembershipError, check_manager, membership_of


def _label(programme: Programme, what: str) -> str:
    return f"{programme.short_name}: {what}"[:300]


def set_verifier(
    session: Session,
    user: User,
    programme: Programme,
    verifies: bool,
    *,
    actor: policy.Who = None,
    audit: AuditActor | None = None,
) -> bool:
    """Name ``user`` a verifier of ``programme`` (or no longer); False when nothing changed.

    Only a member who can act there (a coordinator or an owner) can be one.
    """
    check_manager(actor, programme)
    found = membership_of(session, user, programme)
    if found is None or found.role not in policy.ACTING_ROLES:
        raise MembershipError(
            gettext("A verifier is a member who can act here (a coordinator or an owner)."),
            "verifier",
        )
    if found.verifies == verifies:
        return False
    found.verifies = verifies
    session.add(found)
    session.flush()
    policy.forget_access(session)
    _reschedule_awaiting(session, programme)
    record_audit(
        session, audit, "programme.verifier_changed", subject_type="programme",
        subject_id=programme.id, subject_label=_label(programme, user.email),
        old={"verifies": not verifies}, new={"verifies": verifies},
    )  # fmt: skip
    return True


def set_requires_verification(
    session: Session,
    programme: Programme,
    required: bool,
    *,
    actor: policy.Who = None,
    audit: AuditActor | None = None,
) -> bool:
    """Switch verification on or off for ``programme``; False when nothing changed.

    Actions already reported keep their state: switching it off verifies nothing, and
    switching it on leaves what was reported before as it was.
    """
    check_manager(actor, programme)
    if programme.requires_verification == required:
        return False
    programme.requires_verification = required
    session.add(programme)
    session.flush()
    # Labelled by the programme's name alone: the page words "verification" itself.
    record_audit(
        session, audit, "programme.verification_changed", subject_type="programme",
        subject_id=programme.id, subject_label=programme.short_name,
        old={"requires_verification": not required}, new={"requires_verification": required},
    )  # fmt: skip
    return True


def _reschedule_awaiting(session: Session, programme: Programme) -> None:
    """Who is told about the actions awaiting verification changed: the planner looks again."""
    ids = session.exec(
        select(Action.id).where(
            Action.programme_id == programme.id,
            col(Action.verification) == Verification.awaiting,
        )
    ).all()
    reschedule_reminders(session, [i for i in ids if i is not None])


def verifier_ids(session: Session, programme_id: int) -> list[int]:
    """The users named verifiers of the programme (coordinators verify without the flag)."""
    return list(
        session.exec(
            select(Membership.user_id).where(
                Membership.programme_id == programme_id, col(Membership.verifies).is_(True)
            )
        ).all()
    )
