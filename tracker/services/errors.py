"""What the services' refusals of a form have in common."""

from __future__ import annotations


class FieldError(ValueError):
    """A change that cannot be made as asked, in one line for the user; ``field`` names
    the form field at fault (None for the form as a whole), so that a page can show the
    message beside it. Each service names its own kind (``MembershipError``, ...)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
