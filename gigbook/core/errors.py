"""Domain errors raised by services; the API exception handler maps them to HTTP statuses."""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400
    default_detail = "The request could not be completed."
    # Machine-readable, snake_case like DRF's own codes; every 400 answers "invalid" (gigbook.core.api).
    default_code = "invalid"

    def __init__(self, detail: str | None = None, *, code: str | None = None, fields: dict | None = None):
        self.detail = detail or self.default_detail
        self.code = code or self.default_code
        self.fields = fields or {}
        super().__init__(self.detail)


class ValidationFailed(DomainError):
    """Input that is well-formed but breaks a business rule tied to fields."""

    status_code = 400
    default_detail = "Some fields are invalid."


class NotFound(DomainError):
    status_code = 404
    default_detail = "Not found."
    default_code = "not_found"


class Forbidden(DomainError):
    status_code = 403
    default_detail = "You do not have permission to do this."
    default_code = "permission_denied"


class Conflict(DomainError):
    status_code = 409
    default_detail = "This conflicts with the current state."
    default_code = "conflict"


class InvalidTransition(Conflict):
    default_detail = "This action is not possible in the current state."
    default_code = "invalid_transition"
