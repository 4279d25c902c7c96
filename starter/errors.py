"""The SDK's one exception family. Each error says what went wrong in words a backend can pass to
its shopper, with field errors in a flat shape (`line_items[1].sku`, `shipping.zip`) and the HTTP
status a backend would answer with. No Temporal exception leaks through the facade."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import ValidationError
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from mge.errors import FieldErrors, field_errors_from_pydantic


class MgeflowError(Exception):
    """Base of every SDK error."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "error"

    def __init__(self, message: str, field_errors: FieldErrors | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field_errors: FieldErrors = field_errors or {}

    def to_response(self) -> dict[str, Any]:
        """A body to return as-is, e.g. `return JSONResponse(err.to_response(), err.status)`."""
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.field_errors:
            body["field_errors"] = self.field_errors
        return body


class InvalidInput(MgeflowError):
    """The request is wrong and was refused before anything changed."""

    status, code = 422, "invalid_input"

    @classmethod
    def from_validation(cls, exc: ValidationError) -> InvalidInput:
        errors = field_errors_from_pydantic(exc)
        first = next(iter(errors.items()), ("input", ["is invalid"]))
        return cls(f"{first[0]}: {first[1][0]}", errors)


class Refused(MgeflowError):
    """MGE refused the change; `field_errors` are MGE's, flattened. The journey goes on."""

    status, code = 422, "refused_by_mge"


class PreviewOptionExpired(Refused):
    """The chosen preview option expired at MGE: regenerate the preview, then choose again."""

    code = "preview_option_expired"


class JourneyNotFound(MgeflowError):
    status, code = 404, "not_found"


class JourneyClosed(MgeflowError):
    """The journey has ended (or its reference was used by one that did) and cannot change."""

    status, code = 409, "journey_closed"


class Conflict(MgeflowError):
    """The journey is in a state that forbids this now (e.g. the options changed meanwhile)."""

    status, code = 409, "conflict"


class JourneyFailed(MgeflowError):
    """MGE could not do what the journey needed (e.g. no preview could be generated)."""

    status, code = 422, "journey_failed"


class MgeUnavailable(MgeflowError):
    """MGE did not answer in time; the same call may succeed later."""

    status, code = 503, "mge_unavailable"


class MgeAccessDenied(MgeflowError):
    """MGE refused mgeflow's key (wrong key, brand or scope): an operator must fix configuration."""

    status, code = 502, "mge_access_denied"


class TemporalUnavailable(MgeflowError):
    """The Temporal server could not be reached."""

    status, code = 503, "temporal_unavailable"
    hint = "start the local stack with `mgeflow up`, or set TEMPORAL_ADDRESS"


# ApplicationError types raised by the journeys and activities, by SDK class.
_BY_TYPE: dict[str, type[MgeflowError]] = {
    "ValueError": InvalidInput,  # an update validator refused the input
    "ImageRejected": InvalidInput,
    "ImageUnavailable": InvalidInput,
    "MgeValidationError": Refused,
    "MgePreviewOptionExpired": PreviewOptionExpired,
    "CartClosed": JourneyClosed,
    "JourneyClosed": JourneyClosed,
    "CartExists": Conflict,
    "CartActive": Conflict,
    "CartNotReady": Conflict,
    "LineGone": Conflict,
    "OptionNotOffered": Conflict,
    "MgeConflict": Conflict,
    "PreviewFailed": JourneyFailed,
    "PreviewUnavailable": JourneyFailed,
    "MgeUnavailable": MgeUnavailable,
    "MgeRateLimited": MgeUnavailable,
    "MgeTransportError": MgeUnavailable,
    "MgeUnauthorized": MgeAccessDenied,
    "MgeForbidden": MgeAccessDenied,
}


def from_application_error(error: ApplicationError) -> MgeflowError:
    details = error.details[0] if error.details else {}
    field_errors = details.get("field_errors", {}) if isinstance(details, dict) else {}
    return _BY_TYPE.get(error.type or "", MgeflowError)(error.message, field_errors)


def translate(exc: BaseException, journey_id: str) -> MgeflowError:
    """The SDK error for a Temporal exception; unknown ones become a plain `MgeflowError`."""
    if isinstance(exc, WorkflowUpdateFailedError) and isinstance(exc.cause, ApplicationError):
        return from_application_error(exc.cause)
    if isinstance(exc, WorkflowAlreadyStartedError):
        return JourneyClosed(f"{journey_id} has already ended; use a new reference")
    if isinstance(exc, RPCError):
        if exc.status == RPCStatusCode.NOT_FOUND:
            if "already completed" in exc.message:
                return JourneyClosed(f"{journey_id} has already ended")
            return JourneyNotFound(f"no journey {journey_id}")
        if exc.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
            return TemporalUnavailable(f"Temporal did not answer: {exc.message}")
    return MgeflowError(f"{journey_id}: {type(exc).__name__}: {exc}")
