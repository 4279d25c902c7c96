"""DRF-shaped errors: `{"detail": ...}` for most statuses, field-keyed lists for 400.

Handlers raise these; `install_error_handlers` turns them (and FastAPI/Starlette's own errors)
into the bodies MGE answers with, so every route speaks the same error dialect.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

# Field errors nest: a field maps to messages, a nested object to its own errors, a list of
# objects to a list of per-item errors aligned with the input (`{}` for items without errors).
FieldErrors = dict[str, Any]


class ApiError(Exception):
    """An error answered as `{"detail": ...}` with the given status."""

    def __init__(self, status: int, detail: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = dict(headers or {})


class NotFound(ApiError):
    """A known route whose resource is absent (or belongs to another brand)."""

    def __init__(self) -> None:
        super().__init__(404, "Not found.")


class Conflict(ApiError):
    def __init__(self, detail: str) -> None:
        super().__init__(409, detail)


class ValidationFailed(Exception):
    """A 400 with a field-keyed body."""

    def __init__(self, errors: FieldErrors) -> None:
        super().__init__("invalid request body")
        self.errors = errors


def field_error(field: str, message: str) -> ValidationFailed:
    return ValidationFailed({field: [message]})


_NOT_FOUND_PAGE = """<!doctype html>
<html lang="en">
<head><title>Not Found</title></head>
<body>
  <h1>Not Found</h1>
  <p>The requested resource was not found on this server.</p>
</body>
</html>
"""

# Pydantic error types from FastAPI's form/query parsing, phrased as DRF phrases them.
_DRF_MESSAGES = {
    "missing": "This field is required.",
    "int_parsing": "A valid integer is required.",
    "int_type": "A valid integer is required.",
    "bool_parsing": "Must be a valid boolean.",
    "bool_type": "Must be a valid boolean.",
    "string_type": "Not a valid string.",
}


def _request_validation_errors(exc: RequestValidationError) -> FieldErrors:
    errors: FieldErrors = {}
    for error in exc.errors():
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query")]
        field = location[0] if location else "non_field_errors"
        message = _DRF_MESSAGES.get(str(error.get("type")), str(error.get("msg", "Invalid value.")))
        messages = errors.setdefault(field, [])
        if message not in messages:
            messages.append(message)
    return errors


def install_error_handlers(app: FastAPI) -> None:
    async def on_api_error(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status, headers=exc.headers)

    async def on_validation_failed(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, ValidationFailed)
        return JSONResponse(exc.errors, status_code=400)

    async def on_request_validation(_: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return JSONResponse(_request_validation_errors(exc), status_code=400)

    async def on_http_exception(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        headers = dict(exc.headers or {})
        if exc.status_code == 404:
            # Only the router raises this: no route matched. MGE (Django) answers an HTML page
            # there, unlike a missing resource on a known route (NotFound, JSON).
            return HTMLResponse(_NOT_FOUND_PAGE, status_code=404, headers=headers)
        if exc.status_code == 405:
            detail = f'Method "{request.method}" not allowed.'
            return JSONResponse({"detail": detail}, status_code=405, headers=headers)
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)

    async def on_unexpected(_: Request, exc: Exception) -> Response:
        # Starlette re-raises after answering, so uvicorn still logs the traceback.
        return JSONResponse({"detail": "A server error occurred."}, status_code=500)

    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(ValidationFailed, on_validation_failed)
    app.add_exception_handler(RequestValidationError, on_request_validation)
    app.add_exception_handler(StarletteHTTPException, on_http_exception)
    app.add_exception_handler(Exception, on_unexpected)
