"""What can go wrong at the MGE edge, as precise classes.

Two families matter to callers: `MgeTransientError` (try again later, the same request may succeed)
and `MgePermanentError` (the same request will fail again; a person or the caller must change it).
No error carries the API key or request bodies; MGE's own message and field errors are kept.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import ValidationError

FieldErrors = dict[str, list[str]]


class MgeError(Exception):
    """A request to MGE failed. `status` is None when no HTTP answer arrived."""

    transient: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        method: str,
        path: str,
        status: int | None = None,
        field_errors: FieldErrors | None = None,
    ) -> None:
        self.message = message
        self.method = method
        self.path = path
        self.status = status
        self.field_errors: FieldErrors = field_errors or {}
        super().__init__(self._render())

    def _render(self) -> str:
        where = f"{self.method} {self.path}"
        status = f" ({self.status})" if self.status is not None else ""
        text = f"MGE {where}{status}: {self.message}"
        if self.field_errors:
            text += (
                " [" + "; ".join(f"{k}: {' '.join(v)}" for k, v in self.field_errors.items()) + "]"
            )
        return text


class MgePermanentError(MgeError):
    """Repeating the same request will not help."""


class MgeValidationError(MgePermanentError):
    """MGE refused the request body (400); `field_errors` maps `line_items[1].sku` style paths."""


class MgePreviewOptionExpired(MgeValidationError):
    """A preview option in the order has expired: create a fresh preview before ordering."""


class MgeUnauthorized(MgePermanentError):
    """401: the API key is missing or wrong."""


class MgeForbidden(MgePermanentError):
    """403: the key may not act for this brand, or lacks a scope (e.g. `mockup:create`)."""


class MgeNotFound(MgePermanentError):
    """404: the resource does not exist (or belongs to another brand)."""


class MgeMethodNotAllowed(MgePermanentError):
    """405: MGE does not support this operation (e.g. deleting drafts)."""


class MgeConflict(MgePermanentError):
    """409: the resource is in a state that forbids this (e.g. draft already submitted)."""


class MgeUnexpectedResponse(MgePermanentError):
    """MGE answered with something that does not match the contract (mge-api.md)."""


class MgeTransientError(MgeError):
    """The request may succeed if repeated later."""

    transient = True
    #: True when the request may have been applied by MGE even though no answer arrived
    #: (timeouts, dropped connections). Read MGE's state before deciding anything.
    maybe_applied: bool = False


class MgeRateLimited(MgeTransientError):
    """429: slow down; `retry_after` is MGE's Retry-After in seconds when given."""

    def __init__(self, message: str, *, retry_after: float | None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)


class MgeUnavailable(MgeTransientError):
    """408, 425 or 5xx: MGE could not handle the request now."""

    maybe_applied = True


class MgeTransportError(MgeTransientError):
    """No HTTP answer: connection refused or dropped, or a timeout."""

    def __init__(self, message: str, *, maybe_applied: bool, **kwargs: Any) -> None:
        self.maybe_applied = maybe_applied
        super().__init__(message, **kwargs)


def flatten_field_errors(body: Any, prefix: str = "") -> FieldErrors:
    """Turn DRF's nested error body into flat paths.

    `{"line_items": [{}, {"sku": ["x"]}]}` becomes `{"line_items[1].sku": ["x"]}`;
    `{"shipping": {"zip": ["x"]}}` becomes `{"shipping.zip": ["x"]}`.
    """
    out: FieldErrors = {}
    if isinstance(body, dict):
        for key, value in body.items():
            out.update(flatten_field_errors(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(body, list):
        messages = [str(item) for item in body if not isinstance(item, dict | list)]
        if messages:
            out[prefix or "non_field_errors"] = messages
        for index, item in enumerate(body):
            if isinstance(item, dict | list):
                out.update(flatten_field_errors(item, f"{prefix}[{index}]"))
    elif body is not None:
        out[prefix or "non_field_errors"] = [str(body)]
    return out


def field_errors_from_pydantic(exc: ValidationError) -> FieldErrors:
    """The same flat shape for our own model validation, without echoing the input (it may hold
    personal data)."""
    out: FieldErrors = {}
    for error in exc.errors(include_input=False, include_url=False):
        path = ""
        for part in error["loc"]:
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        if error["type"] == "mge_mistake":  # point at the offending key itself
            key = (error.get("ctx") or {})["key"]
            path = f"{path}.{key}" if path else key
        out.setdefault(path or "non_field_errors", []).append(error["msg"])
    return out
