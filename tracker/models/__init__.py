"""Every table of tracker, with its enums.

Models import nothing of ours and know nothing of Flask: the services own the
workflow, the views own HTTP. Timestamps named ``*_at`` are UTC instants; dates
named ``*_on`` are calendar days in the programme's time zone.

One module per job (``base``: the naming convention, UTC timestamps and the shared
enums; ``people``, ``programme``, ``meetings``, ``reminders``, ``evidence``, ``public``);
every name is imported from here, ``from tracker.models import Action``, so a table can
move between modules without its callers changing.
"""

from .base import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    DeadlineKind,
    EventKind,
    LineageKind,
    Role,
    Status,
    Treaty,
    UTCDateTime,
    Verification,
    dialect_insert,
    utcnow,
)
from .evidence import EvidenceFile, UsedReminderLink
from .meetings import AgendaItem, Meeting, MeetingAttendee
from .people import (
    AccountToken,
    ApiToken,
    AuditEntry,
    LoginAttempt,
    Membership,
    Organisation,
    Participation,
    SignIn,
    TokenPurpose,
    TokenScope,
    User,
)
from .programme import (
    Action,
    ActionEvent,
    ActionText,
    ActionTranslation,
    Criterion,
    DeadlineChange,
    Programme,
    Recommendation,
    RecommendationLink,
    Report,
)
from .public import PublishedUpdate
from .reminders import (
    LineKind,
    LineState,
    MessageKind,
    MessageStatus,
    OutboxMessage,
    ReminderLine,
    ReminderSchedule,
    SchedulerHeartbeat,
)

__all__ = [
    "CLOSED_STATUSES",
    "OPEN_STATUSES",
    "AccountToken",
    "Action",
    "ActionEvent",
    "ActionText",
    "ActionTranslation",
    "AgendaItem",
    "ApiToken",
    "AuditEntry",
    "Criterion",
    "DeadlineChange",
    "DeadlineKind",
    "EventKind",
    "EvidenceFile",
    "LineKind",
    "LineState",
    "LineageKind",
    "LoginAttempt",
    "Meeting",
    "MeetingAttendee",
    "Membership",
    "MessageKind",
    "MessageStatus",
    "Organisation",
    "OutboxMessage",
    "Participation",
    "Programme",
    "PublishedUpdate",
    "Recommendation",
    "RecommendationLink",
    "ReminderLine",
    "ReminderSchedule",
    "Report",
    "Role",
    "SchedulerHeartbeat",
    "SignIn",
    "Status",
    "TokenPurpose",
    "TokenScope",
    "Treaty",
    "UTCDateTime",
    "UsedReminderLink",
    "User",
    "Verification",
    "dialect_insert",
    "utcnow",
]
