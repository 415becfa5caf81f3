"""One error format for the whole API.

Every 4xx response body is `{"status": 400, "code": "invalid", "detail": "...", "errors": [{"field": "x",
"message": "..."}]}`; `field` is a dotted path for nested input and null for errors not tied to a field.
Database errors never reach the client verbatim (their DETAIL carries row contents).
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)


def _flatten(detail, prefix: str | None = None) -> list[dict]:
    if isinstance(detail, dict):
        items = []
        for key, value in detail.items():
            name = None if key in ("non_field_errors", "__all__") else str(key)
            path = ".".join(p for p in (prefix, name) if p is not None) or None
            items.extend(_flatten(value, path))
        return items
    if isinstance(detail, list):
        items = []
        for index, value in enumerate(detail):
            if isinstance(value, (dict, list)):
                items.extend(_flatten(value, f"{prefix}.{index}" if prefix else str(index)))
            else:
                items.extend(_flatten(value, prefix))
        return items
    return [{"field": prefix, "message": str(detail)}]


def error_response(status_code: int, code: str, detail: str, errors: list[dict] | None = None) -> Response:
    return Response(
        {"status": status_code, "code": code, "detail": detail, "errors": errors or []}, status=status_code
    )


def registry_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, IntegrityError):
        # Never echo the database message: it can contain the failing row.
        logger.warning("Integrity error refused (%s)", type(exc).__name__)
        return error_response(
            status.HTTP_409_CONFLICT, "conflict", "The change conflicts with existing data."
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        return error_response(response.status_code, "invalid", "The request has invalid fields.", errors)
    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    if isinstance(detail, (dict, list)):
        return error_response(response.status_code, "error", "The request failed.", _flatten(detail))
    result = error_response(response.status_code, code if isinstance(code, str) else "error", str(detail))
    for header in ("WWW-Authenticate", "Retry-After", "Allow"):
        if header in response:
            result[header] = response[header]
    return result
