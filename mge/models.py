"""Pydantic models of every body MGE sends or receives (mge-api.md).

Request models are strict: they refuse MGE's four documented mistakes and other invalid input with a
message that names the field and the fix, so nothing wrong is ever sent. Response models accept
unknown fields, since MGE adds fields over time. Personal data (shipping) is kept out of reprs and
out of validation messages (`hide_input_in_errors`).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

# ---------------------------------------------------------------------------------------------
# Requests: what we send. Strict.
# ---------------------------------------------------------------------------------------------

Sku = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[A-Z]{3}(/[A-Z0-9]+)+$", max_length=100),
]
ProductCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Z]{3}$")]
ReferenceId = Annotated[str, StringConstraints(min_length=1, max_length=128)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]


def _refuse(data: Any, mistakes: dict[str, str]) -> Any:
    """Refuse keys MGE documents as mistakes, naming the key and the fix."""
    if isinstance(data, dict):
        for key, fix in mistakes.items():
            if key in data:
                raise PydanticCustomError(
                    "mge_mistake", "`{key}` is not an MGE field: {fix}", {"key": key, "fix": fix}
                )
    return data


class MgeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True, frozen=True)


class Shipping(MgeRequest):
    """Where the kit goes. All fields are personal data: never log them."""

    name: Text
    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=254)]
    phone: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=40)]
    street: Text
    city: Text
    zip: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
    country: str = Field(description="ISO 3166-1 alpha-2, e.g. SG, DE")

    @model_validator(mode="before")
    @classmethod
    def _documented_mistakes(cls, data: Any) -> Any:
        return _refuse(data, {"line1": "use `street`", "postal_code": "use `zip`"})

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        local, _, domain = value.partition("@")
        if not local or "." not in domain:
            raise PydanticCustomError("email", "must be an e-mail address like name@example.com")
        return value

    @field_validator("country", mode="before")
    @classmethod
    def _country(cls, value: Any) -> Any:
        if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z]{2}", value.strip()):
            raise PydanticCustomError("country", "must be an ISO 3166-1 alpha-2 code like SG or DE")
        return value.strip().upper()

    def __repr_args__(self) -> Any:
        return [("country", self.country), ("...", "redacted")]


class AssetParams(MgeRequest):
    """How MGE should treat the source image (Flow A)."""

    source_width: int | None = Field(default=None, gt=0)
    source_height: int | None = Field(default=None, gt=0)
    crop_mode: str | None = Field(default=None, examples=["auto_allowed"])


class OrderLine(MgeRequest):
    """The `order_line` of a purchase option, copied verbatim into `line_items` (Flow B).
    It arrives in MGE's answers, so a field MGE adds there is ignored, not refused."""

    model_config = ConfigDict(extra="ignore", hide_input_in_errors=True, frozen=True)

    sku: Sku
    quantity: int = Field(ge=1)
    preview_option_id: str = Field(min_length=1)


class LineItem(MgeRequest):
    """One kit: a SKU, a quantity and exactly one image source."""

    sku: Sku
    quantity: int = Field(default=1, ge=1, le=1000)
    asset_url: AnyHttpUrl | None = None
    asset_token: str | None = Field(default=None, min_length=1)
    preview_option_id: str | None = Field(default=None, min_length=1)
    asset_params: AssetParams | None = None

    @model_validator(mode="before")
    @classmethod
    def _documented_mistakes(cls, data: Any) -> Any:
        return _refuse(
            data,
            {
                "purchase_option_id": "copy the purchase option's `order_line` "
                "(sku, quantity, preview_option_id) instead"
            },
        )

    @model_validator(mode="after")
    def _one_image_source(self) -> LineItem:
        sources = [
            name
            for name in ("asset_url", "asset_token", "preview_option_id")
            if getattr(self, name) is not None
        ]
        if len(sources) != 1:
            found = ", ".join(f"`{s}`" for s in sources) or "none"
            raise PydanticCustomError(
                "image_source",
                "give exactly one image source: `asset_url`, `asset_token` or "
                "`preview_option_id` (found {found})",
                {"found": found},
            )
        if self.preview_option_id is not None and self.asset_params is not None:
            raise PydanticCustomError(
                "image_source", "`asset_params` only applies to `asset_url` or `asset_token` lines"
            )
        return self

    @classmethod
    def from_order_line(cls, line: OrderLine) -> LineItem:
        return cls.model_validate(line.model_dump())


class OrderBody(MgeRequest):
    """What orders and drafts share: the top-level documented mistakes are refused."""

    @model_validator(mode="before")
    @classmethod
    def _documented_mistakes(cls, data: Any) -> Any:
        return _refuse(
            data,
            {
                "preview_option_id": "it belongs inside a line item (copy the purchase option's "
                "`order_line` into `line_items`)",
                "purchase_option_id": "copy the purchase option's `order_line` into `line_items`",
            },
        )


class OrderRequest(OrderBody):
    """`POST orders/` and `orders/validate/`."""

    brand_id: int = Field(gt=0)
    line_items: list[LineItem] = Field(min_length=1)
    shipping: Shipping
    reference_id: ReferenceId | None = None


class DraftCreate(OrderBody):
    """`POST order-drafts/`: an empty draft (`line_items: []`) is valid."""

    brand_id: int = Field(gt=0)
    line_items: list[LineItem] = Field(default_factory=list)
    shipping: Shipping | None = None
    reference_id: ReferenceId | None = None


class DraftUpdate(OrderBody):
    """`PATCH order-drafts/{id}/`: `line_items` replaces the whole list."""

    line_items: list[LineItem] | None = None
    shipping: Shipping | None = None
    reference_id: ReferenceId | None = None


class PreviewVariant(MgeRequest):
    variant: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_-]{1,40}$")]


class PreviewRequest(MgeRequest):
    """The form fields of `POST preview/` (the photo travels beside it, streamed)."""

    brand_id: int = Field(gt=0)
    products: list[ProductCode] = Field(min_length=1)
    preferred_size: Annotated[str, StringConstraints(pattern=r"^\d{2,3}X\d{2,3}$")] | None = None
    comparison_count: int | None = Field(default=None, ge=1, le=10)
    auto_enhance: bool = False
    auto_crop: bool = True
    preview_options: dict[ProductCode, list[PreviewVariant]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _options_for_requested_products(self) -> PreviewRequest:
        unknown = sorted(set(self.preview_options) - set(self.products))
        if unknown:
            raise PydanticCustomError(
                "preview_options",
                "`preview_options` names products not in `products`: {unknown}",
                {"unknown": ", ".join(unknown)},
            )
        return self

    def form_fields(self) -> list[tuple[str, str]]:
        """Multipart fields as MGE expects them: repeated `products`, JSON `preview_options`."""
        fields = [("brand_id", str(self.brand_id))]
        fields += [("products", code) for code in self.products]
        fields += [
            ("auto_enhance", str(self.auto_enhance).lower()),
            ("auto_crop", str(self.auto_crop).lower()),
        ]
        if self.comparison_count is not None:
            fields.append(("comparison_count", str(self.comparison_count)))
        if self.preferred_size is not None:
            fields.append(("preferred_size", self.preferred_size))
        if self.preview_options:
            options = {
                code: [v.model_dump() for v in variants]
                for code, variants in self.preview_options.items()
            }
            fields.append(("preview_options", json.dumps(options, separators=(",", ":"))))
        return fields


# ---------------------------------------------------------------------------------------------
# Responses: what MGE sends. Lenient about extra fields.
# ---------------------------------------------------------------------------------------------


class MgeResponse(BaseModel):
    # Answers echo shipping data: a contract mismatch must not print it.
    model_config = ConfigDict(extra="allow", hide_input_in_errors=True)


T = TypeVar("T")


class Page(MgeResponse, Generic[T]):
    """DRF-style pagination (`{count, next, previous, results}`)."""

    count: int | None = None
    next: str | None = None
    previous: str | None = None
    results: list[T]


class Brand(MgeResponse):
    brand_id: int
    brand_name: str
    brand_short_code: str | None = None
    preferred_currency: str | None = None
    is_default: bool = False


class ProductType(MgeResponse):
    code: str
    name: str | None = None
    sku_template: str | None = None
    sku_example: str | None = None


class Variant(MgeResponse):
    id: int | str
    code: str
    product: str
    product_type: str | None = None
    size: str | None = None
    size_display: str | None = None
    frame: str | None = None
    colors_type: str | None = None
    diamond_type: str | None = None


class Price(MgeResponse):
    sku: str
    unit_price: Decimal
    currency: str


class PreviewStatus:
    """Known preview statuses (mge-api.md §5); MGE may add more, so they stay plain strings."""

    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    PARTIAL = "PARTIAL"
    FAILED = "FAILED"
    READY = frozenset({COMPLETED, PARTIAL})


class PreviewOption(MgeResponse):
    preview_option_id: str
    product: str | None = None
    variant: str | None = None
    status: str | None = None
    preview_url: str | None = None


class Preview(MgeResponse):
    id: str
    status: str
    brand_id: int | None = None
    options: list[PreviewOption] = Field(default_factory=list)
    failure_reason: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def is_ready(self) -> bool:
        return self.status in PreviewStatus.READY

    @property
    def is_failed(self) -> bool:
        return self.status == PreviewStatus.FAILED


class Labelled(MgeResponse):
    code: str
    label: str | None = None


class PurchaseOption(MgeResponse):
    """One orderable row; its `order_line` is copied verbatim into an order."""

    preview_option_id: str
    order_line: OrderLine
    product: str | None = None
    label: str | None = None
    description: str | None = None
    preview_url: str | None = None
    mockup_url: str | None = None
    frame: Labelled | None = None
    production_speed: Labelled | None = None
    unit_price: Decimal | None = None
    currency: str | None = None


class Asset(MgeResponse):
    asset_token: str
    content_type: str | None = None
    size: int | None = None
    width: int | None = None
    height: int | None = None


class ImageFacts(BaseModel):
    """What was probed from an image's first bytes."""

    content_type: str
    width: int
    height: int
    size: int | None = None


class UploadedImage(ImageFacts):
    """A draft asset together with what was probed from the image before it was sent."""

    asset_token: str


class LineItemOut(MgeResponse):
    sku: str
    quantity: int = 1
    asset_url: str | None = None
    asset_token: str | None = None
    preview_option_id: str | None = None
    asset_params: dict[str, Any] | None = None
    unit_price: Decimal | None = None


class Checkout(MgeResponse):
    ready_until: datetime
    max_payment_session_seconds: int | None = None
    total: Decimal | None = None
    currency: str | None = None


class DraftStatus:
    DRAFT = "DRAFT"
    READY = "READY"
    SUBMITTED = "SUBMITTED"


class Draft(MgeResponse):
    id: int
    status: str
    brand_id: int | None = None
    reference_id: str | None = None
    line_items: list[LineItemOut] = Field(default_factory=list)
    shipping: dict[str, Any] | None = Field(default=None, repr=False)
    checkout: Checkout | None = None
    submitted_order_id: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class LineQuote(MgeResponse):
    index: int
    sku: str
    unit_price: Decimal | None = None
    currency: str | None = None
    errors: list[Any] = Field(default_factory=list)


class DraftValidation(MgeResponse):
    valid: bool
    status: str | None = None
    line_items: list[LineQuote] = Field(default_factory=list)
    checkout: Checkout | None = None


class OrderValidation(MgeResponse):
    valid: bool
    line_items: list[LineQuote] = Field(default_factory=list)
    total: Decimal | None = None
    currency: str | None = None


class Tracking(MgeResponse):
    carrier: str | None = None
    number: str | None = None
    url: str | None = None


class OrderStatus:
    """Known order statuses (processing observed; the rest assumed, mge-api.md §7)."""

    PROCESSING = "processing"
    IN_PRODUCTION = "in_production"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class Order(MgeResponse):
    id: str
    status: str
    brand_id: int | None = None
    reference_id: str | None = None
    line_items: list[LineItemOut] = Field(default_factory=list)
    shipping: dict[str, Any] | None = Field(default=None, repr=False)
    total: Decimal | None = None
    currency: str | None = None
    tracking: Tracking | None = None
    created_at: datetime | None = None
