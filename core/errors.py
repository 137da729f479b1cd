"""The one error class every refused action raises, whatever the app."""

from __future__ import annotations


class DomainError(Exception):
    """A refused action, with a message fit to show the person who tried it.

    Views and the API turn it into a clear answer: NotAllowed → 403, InvalidTransition → 409,
    anything else → 400 (or the subclass's own status_code)."""

    status_code = 400

    def __init__(self, message: str, *, code: str = "invalid", field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        # The input at fault, when there is one: the API names it in its "errors".
        self.field = field


class NotAllowed(DomainError):
    status_code = 403


class InvalidTransition(DomainError):
    status_code = 409
