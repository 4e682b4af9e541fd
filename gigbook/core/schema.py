"""OpenAPI: the error answers, documented once and referenced by every operation.

The error bodies (gigbook.core.api) are components (``Error``, ``ValidationError``) and so are the
answers that carry them (``#/components/responses/BadRequest`` … ``TooManyRequests``). ``AutoSchema``
adds to each operation the errors it can give, read from the view itself, so a new endpoint is
documented without anyone remembering to:

- 400 when the operation reads input (a body, query or header parameters);
- 401 when the view authenticates (a wrong token is refused even where anonymous users may read);
- 403 for writes (CSRF, and services refuse the wrong role) and for permission classes beyond
  "signed in";
- 404 when the path names an object, and for paginated lists (a page past the end);
- 429 when the view is throttled (every view, by default).

409 (and 410, 422) only where a view declares it with ``extend_schema(responses={409: …})``; such a
declaration keeps its own description and gets the shared body schema.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema as _AutoSchema
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated

ERROR_SCHEMAS = {
    "FieldErrors": {
        "type": "object",
        "description": "Messages per field; a nested field has an object (or a list of them) of the same shape.",
        "additionalProperties": {
            "oneOf": [
                {"type": "array", "items": {"oneOf": [
                    {"type": "string"},
                    {"type": "array", "items": {"type": "string"}},
                    {"$ref": "#/components/schemas/FieldErrors"},
                ]}},
                {"$ref": "#/components/schemas/FieldErrors"},
            ],
        },
    },
    "ValidationError": {
        "type": "object",
        "description": "The input was refused. `errors` says why, per field, in plain words.",
        "properties": {
            "detail": {"type": "string"},
            "code": {"type": "string", "enum": ["invalid"]},
            "errors": {"$ref": "#/components/schemas/FieldErrors"},
        },
        "required": ["detail", "code", "errors"],
    },
    "Error": {
        "type": "object",
        "description": "`detail` is for people; `code` (snake_case) is for programs.",
        "properties": {
            "detail": {"type": "string"},
            "code": {"type": "string", "example": "double_booking"},
            "errors": {"$ref": "#/components/schemas/FieldErrors"},
            "retry_after_seconds": {"type": "integer", "description": "429 only: when to try again."},
        },
        "required": ["detail", "code"],
    },
}


def _content(schema: str) -> dict:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}


# status -> (component name, body schema, description, headers)
ERROR_RESPONSES = {
    "400": ("BadRequest", "ValidationError", "The input was refused (`code` is always `invalid`).", {}),
    "401": ("Unauthorized", "Error", "Not signed in, or the token is wrong.", {
        "WWW-Authenticate": {"schema": {"type": "string"}, "description": "`Token`: send `Authorization: Token …`."},
    }),
    "403": ("Forbidden", "Error", "Not allowed for your account (or the CSRF token is missing).", {}),
    "404": ("NotFound", "Error", "No such object, or not yours: the two look the same.", {}),
    "409": ("Conflict", "Error", "Not possible in the current state.", {}),
    "429": ("TooManyRequests", "Error", "Too many requests: wait and try again.", {
        "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait, when known."},
    }),
}
OTHER_ERRORS_SCHEMA = "Error"


def _ref(status: str) -> dict:
    return {"$ref": f"#/components/responses/{ERROR_RESPONSES[status][0]}"}


class AutoSchema(_AutoSchema):
    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.TimeField) and schema.get("format") == "time":
            # A wall-clock time without an offset ("18:00:00", read in a stated time zone): RFC 3339's
            # partial-time. JSON Schema's "time" format requires an offset, so validators refuse ours.
            schema["format"] = "partial-time"
        return schema

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for status in self._implied_errors():
            responses.setdefault(status, _ref(status))
        for status, response in responses.items():
            if status < "400" or "$ref" in response or "content" in response:
                continue
            # A view's own description of this error (e.g. which conflict): keep it, add the body.
            name, schema, description, headers = ERROR_RESPONSES.get(status, (None, OTHER_ERRORS_SCHEMA, "", {}))
            response["content"] = _content(schema)
            if headers:
                response["headers"] = headers
            response["description"] = response.get("description") or description
        return dict(sorted(responses.items()))

    def _implied_errors(self) -> list[str]:
        view, method = self.view, self.method
        errors = []
        paginator = self._get_paginator() if self._is_list_view() else None
        # A bad page number is a 404 and a bad page size falls back to the default: neither is a 400.
        paging = {p["name"] for p in paginator.get_schema_operation_parameters(view)} if paginator else set()
        parameters = [p for p in self._get_parameters() if p.get("in") in ("query", "header") and p["name"] not in paging]
        if parameters or (method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None):
            errors.append("400")
        authenticates = bool(view.get_authenticators())
        if authenticates:
            errors.append("401")
        beyond_signed_in = any(not isinstance(p, (AllowAny, IsAuthenticated)) for p in view.get_permissions())
        if beyond_signed_in or (authenticates and method not in ("GET", "HEAD", "OPTIONS")):
            errors.append("403")
        if "{" in self.path or paginator is not None:
            errors.append("404")
        if view.get_throttles():
            errors.append("429")
        return errors


def error_components(result, generator, request, public):
    """Postprocessing hook: the shared error schemas and responses the operations refer to."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                # Django's int converter matches digits only: "-1" is no URL of ours.
                if parameter["in"] == "path" and parameter["schema"].get("type") == "integer":
                    parameter["schema"].setdefault("minimum", 0)
    components = result.setdefault("components", {})
    components.setdefault("schemas", {}).update(ERROR_SCHEMAS)
    components["responses"] = {
        name: {"description": description, "content": _content(schema), **({"headers": headers} if headers else {})}
        for name, schema, description, headers in ERROR_RESPONSES.values()
    }
    return result
