"""One JSON error shape for the whole API (documented once in gigbook.core.schema).

Every error answers ``{"detail": "...", "code": "..."}``. A 400 always has ``"code": "invalid"`` and
``"errors": {"field": ["message", ...]}`` (``non_field_errors`` for what belongs to no field), whether
a serializer, a service (``ValidationFailed``) or the parser refused the input; a 429 adds
``retry_after_seconds`` when the wait is known.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, serializers, status
from rest_framework.fields import SkipField
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from gigbook.core.errors import DomainError

VALIDATION_DETAIL = "Some fields are invalid."
VALIDATION_CODE = "invalid"


def _field_errors(data) -> dict:
    if isinstance(data, dict):
        return {key: _flatten(value) for key, value in data.items()}
    return {"non_field_errors": _flatten(data)}


def _flatten(value):
    if isinstance(value, dict):
        return {key: _flatten(item) for key, item in value.items()}
    if isinstance(value, list):
        if all(not isinstance(item, (dict, list)) for item in value):
            return [str(item) for item in value]
        return [_flatten(item) for item in value]
    return [str(value)]


def _bad_request(detail: str, errors: dict) -> dict:
    # One code for every 400, so clients branch on the status and read ``errors``.
    return {"detail": detail, "code": VALIDATION_CODE, "errors": errors or {"non_field_errors": [detail]}}


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        if exc.status_code == status.HTTP_400_BAD_REQUEST:
            return Response(_bad_request(exc.detail, _field_errors(exc.fields) if exc.fields else {}),
                            status=exc.status_code)
        body = {"detail": exc.detail, "code": exc.code}
        if exc.fields:
            body["errors"] = _field_errors(exc.fields)
        return Response(body, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(fields)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = _bad_request(VALIDATION_DETAIL, _field_errors(exc.detail))
    elif isinstance(exc, exceptions.ParseError):  # the parser's text names formats and offsets
        response.data = _bad_request("The request body could not be read.", {})
    elif response.status_code == status.HTTP_400_BAD_REQUEST:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else response.data
        response.data = _bad_request(str(detail), {})
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else response.data
        code = getattr(getattr(exc, "detail", None), "code", None) or exc.default_code
        response.data = {"detail": str(detail), "code": code}
    if response.status_code == status.HTTP_429_TOO_MANY_REQUESTS and getattr(exc, "wait", None):
        response.data["retry_after_seconds"] = int(exc.wait)
    return response


def well_formed(serializer: serializers.Serializer) -> dict:
    """The values of the fields of an invalid ``serializer`` that passed their own checks."""
    values, failed = {}, set(serializer.errors) if isinstance(serializer.errors, dict) else set()
    for name, field in serializer.fields.items():
        if field.read_only or name in failed:
            continue
        try:
            value = field.run_validation(field.get_value(serializer.initial_data))
        except (exceptions.ValidationError, SkipField):
            continue
        values[field.source] = value
    return values


def validated_or_400(serializer: serializers.Serializer, rule_problems: Callable[[dict], dict] | None = None) -> dict:
    """``serializer.validated_data``, or a 400 listing every problem in one answer.

    DRF stops at shape errors (a bad number), so the rules (the end after the start, the venue
    yours) would only be heard on the next try. ``rule_problems`` (a service's check, given the
    well-formed values) adds them; a field's own shape error wins over a rule about it.
    """
    if serializer.is_valid():
        return dict(serializer.validated_data)
    raise exceptions.ValidationError(all_errors(serializer, rule_problems))


def all_errors(serializer: serializers.Serializer, rule_problems: Callable[[dict], dict] | None = None):
    """Every problem of a serializer that failed ``is_valid()``: see ``validated_or_400``."""
    errors = dict(serializer.errors) if isinstance(serializer.errors, dict) else serializer.errors
    if not isinstance(errors, dict) or not isinstance(getattr(serializer, "initial_data", None), Mapping):
        return errors  # not even an object: nothing is well formed
    values = well_formed(serializer)
    try:  # the serializer's own cross-field checks, on what is well formed
        serializer.validate(dict(values))
    except exceptions.ValidationError as exc:
        if isinstance(exc.detail, dict):
            for field, messages in exc.detail.items():
                errors.setdefault(field, messages)
    except (KeyError, TypeError, ValueError):  # a check that needs a field that failed its own
        pass
    if rule_problems is not None:
        for field, messages in rule_problems(values).items():
            errors.setdefault(field, messages)
    return errors


@csrf_exempt  # it changes nothing; a CSRF refusal would answer an HTML 403 instead of the 404
def not_found(request, *args, **kwargs):
    """No API operation at this URL: the API's own 404 body (routed last under /api/)."""
    if not request.path.endswith("/"):
        # What CommonMiddleware's APPEND_SLASH would have done, had this catch-all not matched.
        try:
            if resolve(request.path + "/").func is not not_found:
                return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))
        except Resolver404:
            pass
    return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=status.HTTP_404_NOT_FOUND)
