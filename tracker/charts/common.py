"""What every chart shares: the drawing widths, the order of the statuses, coordinates."""

from __future__ import annotations

from ..models import Status

WIDTH = 720
# A phone's drawing is as wide as the phone (issue 13): at 360 px its labels keep their size.
PHONE_WIDTH = 360
STATUS_ORDER = [
    Status.implemented,
    Status.in_progress,
    Status.not_started,
    Status.blocked,
    Status.not_applicable,
]


def coordinate(value: float) -> str:
    """Coordinates with one decimal: short markup, no visible rounding."""
    return f"{value:.1f}".rstrip("0").rstrip(".")
