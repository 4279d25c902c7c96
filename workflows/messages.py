"""What callers send to journeys and what journeys answer: pydantic models, shared by the workflows
and the SDK. Pure data: no I/O, safe inside the workflow sandbox."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from mge.models import (
    ImageFacts,
    LineItem,
    Order,
    OrderLine,
    OrderStatus,
    PreviewRequest,
    PreviewVariant,
    ProductCode,
    PurchaseOption,
    Shipping,
    Tracking,
    UploadedImage,
)
from workflows.ids import check_reference

Reference = Annotated[str, AfterValidator(check_reference)]
MAX_LINES = 50
Size = Annotated[str, StringConstraints(pattern=r"^\d{2,3}X\d{2,3}$")]
VariantName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_-]{1,40}$")]


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)


class Stage(StrEnum):
    """Where a journey is; also the `MgeStage` search attribute. One vocabulary for all journeys."""

    # draft order
    CREATING = "CREATING"  # the MGE draft is being created
    OPEN = "OPEN"  # editable
    READY = "READY"  # validated: prices frozen until the quote's ready_until
    SUBMITTING = "SUBMITTING"
    ABANDONED = "ABANDONED"  # idle timeout; the MGE draft was discarded
    DISCARDED = "DISCARDED"  # by the caller
    # preview selection
    GENERATING = "GENERATING"  # MGE is making the previews
    CHOOSING = "CHOOSING"  # purchase options offered; waiting for the shopper
    EXPIRED = "EXPIRED"  # the shopper did not choose in time
    HANDED_OFF = "HANDED_OFF"  # the choice went to a draft-order journey
    # direct order
    PLACING = "PLACING"
    VALIDATED = "VALIDATED"  # dry run: MGE accepted the body, nothing was created
    # every journey that reaches an order follows it
    SUBMITTED = "SUBMITTED"  # MGE accepted the order (status "processing")
    IN_PRODUCTION = "IN_PRODUCTION"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"
    FAILED = "FAILED"  # MGE refused for good


ORDERED = frozenset(
    {Stage.SUBMITTED, Stage.IN_PRODUCTION, Stage.SHIPPED, Stage.DELIVERED, Stage.CANCELLED}
)
ENDED = ORDERED | {
    Stage.ABANDONED,
    Stage.DISCARDED,
    Stage.EXPIRED,
    Stage.HANDED_OFF,
    Stage.VALIDATED,
    Stage.FAILED,
}
EDITABLE = frozenset({Stage.CREATING, Stage.OPEN, Stage.READY})
# MGE order status -> journey stage.
STAGE_OF_ORDER_STATUS = {
    OrderStatus.PROCESSING: Stage.SUBMITTED,
    OrderStatus.IN_PRODUCTION: Stage.IN_PRODUCTION,
    OrderStatus.SHIPPED: Stage.SHIPPED,
    OrderStatus.DELIVERED: Stage.DELIVERED,
    OrderStatus.CANCELLED: Stage.CANCELLED,
}


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


class Discard(Message):
    """End the cart and discard its MGE draft. `unless_active_since` makes it conditional: a
    discard decided on an older view (the stale-draft sweep's) leaves a cart edited since."""

    reason: str | None = Field(default=None, max_length=200)
    unless_active_since: datetime | None = None


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
    tracking: Tracking | None = None

    @classmethod
    def of(cls, order: Order) -> OrderSummary:
        return cls(
            order_id=order.id,
            status=order.status,
            total=order.total,
            currency=order.currency,
            tracking=order.tracking,
        )


class FollowUpPolicy(Message):
    """How a journey follows its order after MGE accepted it (MGE has no webhooks): polls with
    growing intervals until shipped, delivered or cancelled."""

    enabled: bool = True
    first_interval: timedelta = Field(default=timedelta(minutes=10), gt=timedelta(0))
    max_interval: timedelta = Field(default=timedelta(hours=6), gt=timedelta(0))


class DraftOrderState(Message):
    """The whole state of a cart journey: carried across continue-as-new and returned by the
    `view` query. Shipping is never kept (it went to MGE); only whether it was set."""

    brand_id: int
    reference: str
    idle_timeout: timedelta
    follow_up: FollowUpPolicy
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
    #: The cart's first lines, e.g. the `order_line` a shopper chose from previews.
    lines: list[LineItem] = Field(default_factory=list, max_length=MAX_LINES)
    follow_up: FollowUpPolicy = Field(default_factory=FollowUpPolicy)
    #: Set only by the journey itself when it continues as new.
    state: DraftOrderState | None = None


# -- preview selection ---------------------------------------------------------------------------


class Outcome(StrEnum):
    """What the shopper's choice of a preview leads to."""

    ORDER = "order"  # a direct order; shipping comes with the choice
    DRAFT = "draft"  # a draft-order journey the shopper carries to checkout


class PreviewSelectionInput(Message):
    brand_id: int = Field(gt=0)
    reference: Reference
    photo: str = Field(min_length=1, max_length=4096, description="https://, file:// or a path")
    products: list[ProductCode] = Field(default_factory=lambda: ["DOT"], min_length=1)
    preferred_size: Size | None = "40X50"
    auto_enhance: bool = False
    auto_crop: bool = True
    comparison_count: int | None = Field(default=None, ge=1, le=10)
    variants: list[VariantName] = Field(default_factory=lambda: ["source"], min_length=1)
    selection_deadline: timedelta = Field(default=timedelta(hours=72), gt=timedelta(0))
    outcome: Outcome = Outcome.ORDER
    #: For `Outcome.DRAFT`: the idle timeout of the draft-order journey it hands over to.
    draft_idle_timeout: timedelta = Field(default=timedelta(hours=24), gt=timedelta(0))
    follow_up: FollowUpPolicy = Field(default_factory=FollowUpPolicy)

    def preview_request(self) -> PreviewRequest:
        variants = [PreviewVariant(variant=v) for v in self.variants]
        return PreviewRequest(
            brand_id=self.brand_id,
            products=self.products,
            preferred_size=self.preferred_size,
            auto_enhance=self.auto_enhance,
            auto_crop=self.auto_crop,
            comparison_count=self.comparison_count,
            preview_options={code: variants for code in self.products},
        )


class ReplacePhoto(Message):
    photo: str = Field(min_length=1, max_length=4096)


class Choose(Message):
    """The shopper's pick: a purchase-option row, named by its option id and SKU."""

    preview_option_id: str = Field(min_length=1)
    sku: str = Field(min_length=1)
    #: Required for `Outcome.ORDER`; for `Outcome.DRAFT` the cart asks for it at checkout.
    shipping: Shipping | None = None


class Choice(Message):
    """What a choice led to: the copied `order_line`, and the order or the cart's workflow id."""

    line: OrderLine
    order: OrderSummary | None = None
    draft_workflow_id: str | None = None


class PreviewSelectionState(Message):
    brand_id: int
    reference: str
    stage: Stage = Stage.GENERATING
    preview_id: str | None = None
    preview_status: str | None = None
    options: list[PurchaseOption] = Field(default_factory=list)
    offered_until: datetime | None = None
    choice: Choice | None = None
    order: OrderSummary | None = None
    created_at: datetime
    last_activity_at: datetime
    last_error: ErrorInfo | None = None
    notes: list[str] = Field(default_factory=list)


# -- direct order --------------------------------------------------------------------------------


class DirectOrderInput(Message):
    """One order for a checkout that already happened. Lines carry `asset_url` (MGE fetches the
    image; mgeflow probes it first) or a copied `order_line` (`preview_option_id`)."""

    brand_id: int = Field(gt=0)
    reference: Reference
    lines: list[LineItem] = Field(min_length=1, max_length=MAX_LINES)
    shipping: Shipping
    dry_run: bool = False
    follow_up: FollowUpPolicy = Field(default_factory=FollowUpPolicy)

    @field_validator("lines")
    @classmethod
    def _no_tokens(cls, lines: list[LineItem]) -> list[LineItem]:
        for index, line in enumerate(lines):
            if line.asset_token is not None:
                raise ValueError(
                    f"lines[{index}].asset_token: asset tokens belong to a draft; use "
                    "`asset_url` here, or a draft-order journey to upload the image"
                )
        return lines


class DirectOrderState(Message):
    """The `view` of a direct order; shipping stays in the input only."""

    brand_id: int
    reference: str
    stage: Stage = Stage.PLACING
    lines: list[LineItem] = Field(default_factory=list)
    images: list[ImageFacts | None] = Field(default_factory=list)
    validation: Quote | None = None
    order: OrderSummary | None = None
    dry_run: bool = False
    created_at: datetime
    last_activity_at: datetime
    last_error: ErrorInfo | None = None
    notes: list[str] = Field(default_factory=list)


class DirectOrderOutcome(Message):
    order: OrderSummary | None = None
    validation: Quote | None = None
