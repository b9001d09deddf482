"""The public progress page of a programme (issue 11): publishing, its slug, what it shows.

Nothing here names a person: the page, its JSON and its CSV show organisations (a
person-owned action shows the person's organisation), statuses, dates, editions and
scorecards, never names, e-mail addresses, comments, evidence or meetings.
"""

from __future__ import annotations

import re
import unicodedata

from ..models import Programme


def slug_for(programme: Programme) -> str:
    """Country and treaty in lower-case ASCII: ``cambodia-apmbc``, ``lao-pdr-ccm``.

    Accents are stripped, any other character becomes ``-``, runs collapse to one.
    """
    text = f"{programme.country} {programme.treaty.value}"
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-") or "programme"
