"""Review meetings: the list, recording one, the meeting page and its decisions.

One blueprint, ``meetings``, whose routes live in the module of their job: ``pages``
(the list, recording, the meeting page, the one-action decision), ``session`` (the
record, the agenda and the page's decisions), ``documents`` (the PDF pack and the
Word minutes); ``common`` holds the blueprint and what they share.
"""

from __future__ import annotations

from . import documents, pages, session  # noqa: F401  (each adds its routes to bp)
from .common import bp

__all__ = ["bp"]
