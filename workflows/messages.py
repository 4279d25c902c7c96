"""What callers send to journeys and what journeys answer: pydantic models, shared by the workflows
and the SDK. Pure data: no I/O, safe inside the workflow sandbox."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from mge.models import LineItem, Order, Shipping, UploadedImage
from workflows.ids import check_reference

Reference = Annotated[str, AfterValidator(check_reference)]
MAX_LINES = 50


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)


class Stage(StrEnum):
    """Where a journey is; also the `MgeStage` search attribute."""

    CREATING = "CREATING"  # the MGE draft is being created
    OPEN = "OPEN"  # editable
    READY = "READY"  # validated: prices frozen until the quote's ready_until
    SUBMITTING = "SUBMITTING"
    SUBMITTED = "SUBMITTED"  # MGE accepted the order
    ABANDONED = "ABANDONED"  # idle timeout; the MGE draft was discarded
    DISCARDED = "DISCARDED"  # by the caller
    FAILED = "FAILED"  # MGE refused for good


ENDED = frozenset({Stage.SUBMITTED, Stage.ABANDONED, Stage.DISCARDED, Stage.FAILED})
EDITABLE = frozenset({Stage.CREATING, Stage.OPEN, Stage.READY})


class ErrorInfo(Message):
    """The last thing that went wrong, as the caller may show it (MGE's words and fields)."""

    type: str
    message: str
    field_errors: dict[str, list[str]] = Field(default_factory=dict)
    at: datetime | None = None


# -- draft order ---------------------------------------------------------------------------------


class AttachImage(Message):
    """Upload a photo to the cart's MGE draft. `image` is a reference (https://, file://, path);
    with `line`, that line's image becomes the uploaded asset."""

    image: str = Field(min_length=1, max_length=4096)
    line: int | None = Field(default=None, ge=0)
    crop_mode: str | None = "auto_allowed"


class SetLines(Message):
    """Replace the cart's lines (Flow A lines with an asset, or Flow B lines from `order_line`)."""

    lines: list[LineItem] = Field(max_length=MAX_LINES)


class SetShipping(Message):
    shipping: Shipping


class QuoteLine(Message):
    index: int
    sku: str
    unit_price: Decimal | None = None
    currency: str | None = None


class Quote(Message):
    """MGE's validation of the cart: frozen prices, valid until `ready_until`."""

    lines: list[QuoteLine]
    total: Decimal | None = None
    currency: str | None = None
    ready_until: datetime | None = None
    max_payment_session_seconds: int | None = None


class OrderSummary(Message):
    order_id: str
    status: str
    total: Decimal | None = None
    currency: str | None = None

    @classmethod
    def of(cls, order: Order) -> OrderSummary:
        return cls(
            order_id=order.id, status=order.status, total=order.total, currency=order.currency
        )


class DraftOrderState(Message):
    """The whole state of a cart journey: carried across continue-as-new and returned by the
    `view` query. Shipping is never kept (it went to MGE); only whether it was set."""

    brand_id: int
    reference: str
    idle_timeout: timedelta
    stage: Stage = Stage.CREATING
    draft_id: int | None = None
    lines: list[LineItem] = Field(default_factory=list)
    images: list[UploadedImage] = Field(default_factory=list)
    shipping_set: bool = False
    quote: Quote | None = None
    order: OrderSummary | None = None
    created_at: datetime
    last_activity_at: datetime
    last_error: ErrorInfo | None = None
    notes: list[str] = Field(default_factory=list)


class DraftOrderInput(Message):
    brand_id: int = Field(gt=0)
    reference: Reference
    idle_timeout: timedelta = Field(default=timedelta(hours=24), gt=timedelta(0))
    #: Set only by the journey itself when it continues as new.
    state: DraftOrderState | None = None


def error_info(type_: str, message: str, details: Any, at: datetime) -> ErrorInfo:
    fields = details.get("field_errors", {}) if isinstance(details, dict) else {}
    return ErrorInfo(type=type_, message=message, field_errors=fields, at=at)
