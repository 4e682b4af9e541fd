"""Domain errors raised by services; the API exception handler maps them to HTTP statuses."""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400
    default_detail = "The request could not be completed."

    def __init__(self, detail: str | None = None, *, code: str | None = None, fields: dict | None = None):
        self.detail = detail or self.default_detail
        self.code = code or self.__class__.__name__
        self.fields = fields or {}
        super().__init__(self.detail)


class ValidationFailed(DomainError):
    """Input that is well-formed but breaks a business rule tied to fields."""

    status_code = 400
    default_detail = "Some fields are invalid."


class NotFound(DomainError):
    status_code = 404
    default_detail = "Not found."


class Forbidden(DomainError):
    status_code = 403
    default_detail = "You do not have permission to do this."


class Conflict(DomainError):
    status_code = 409
    default_detail = "This conflicts with the current state."


class InvalidTransition(Conflict):
    default_detail = "This action is not possible in the current state."
