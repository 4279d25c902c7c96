"""The sandbox's stored state, one dataclass per resource.

Each record round-trips through a JSON document (`to_doc` / `from_doc`) so sandbox.store can
keep it in SQLite without a column per field.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

JsonObject = dict[str, Any]


@dataclass
class Checkout:
    """What a successful validate freezes on a draft: the window and the prices."""

    ready_until: float
    unit_prices: list[str]
    total: str
    currency: str


@dataclass
class Draft:
    id: int
    brand_id: int
    status: str  # DRAFT | READY | SUBMITTED
    created_at: float
    updated_at: float
    reference_id: str | None = None
    line_items: list[JsonObject] = field(default_factory=list)
    shipping: JsonObject | None = None
    checkout: Checkout | None = None
    submitted_order_id: str | None = None
    deleted: bool = False

    def to_doc(self) -> JsonObject:
        return asdict(self)

    @classmethod
    def from_doc(cls, doc: JsonObject) -> Draft:
        checkout = doc.get("checkout")
        return cls(**{**doc, "checkout": Checkout(**checkout) if checkout else None})


@dataclass
class Order:
    id: str
    brand_id: int
    created_at: float
    line_items: list[JsonObject]
    shipping: JsonObject
    total: str
    currency: str
    reference_id: str | None = None
    draft_id: int | None = None
    idempotency_key: str | None = None
    # A status set through /admin sticks; otherwise the status follows the clock.
    forced_status: str | None = None

    def to_doc(self) -> JsonObject:
        return asdict(self)

    @classmethod
    def from_doc(cls, doc: JsonObject) -> Order:
        return cls(**doc)


@dataclass
class Photo:
    """What the sandbox remembers of an uploaded photo; the bytes themselves are not kept."""

    content_type: str | None
    size: int
    decodable: bool
    width: int | None = None
    height: int | None = None


@dataclass
class Preview:
    id: str
    brand_id: int
    products: list[str]
    # Requested style variants per product, in request order.
    variants: dict[str, list[str]]
    preferred_size: str
    comparison_count: int | None
    auto_enhance: bool
    auto_crop: bool
    created_at: float
    updated_at: float
    # Start of the current generation timeline (creation or the latest PUT of a photo).
    uploaded_at: float
    photo: Photo
    generation: int = 1
    status: str | None = None  # set once generation has ended; None while it runs
    failure_reason: str | None = None
    generated_at: float | None = None
    option_ids: list[str] = field(default_factory=list)

    def to_doc(self) -> JsonObject:
        return asdict(self)

    @classmethod
    def from_doc(cls, doc: JsonObject) -> Preview:
        return cls(**{**doc, "photo": Photo(**doc["photo"])})


@dataclass
class PreviewOption:
    id: str
    preview_id: str
    brand_id: int
    product: str
    variant: str
    status: str  # COMPLETED | FAILED
    generated_at: float
    # The SKUs its purchase options offer; an order line may only use one of these.
    skus: list[str]
    # Set when the preview's photo is replaced: the option can no longer be ordered.
    superseded: bool = False

    def to_doc(self) -> JsonObject:
        return asdict(self)

    @classmethod
    def from_doc(cls, doc: JsonObject) -> PreviewOption:
        return cls(**doc)


@dataclass
class Asset:
    token: str
    brand_id: int
    draft_id: int
    content_type: str
    size: int
    width: int
    height: int
    created_at: float

    def to_doc(self) -> JsonObject:
        return asdict(self)

    @classmethod
    def from_doc(cls, doc: JsonObject) -> Asset:
        return cls(**doc)

    def as_json(self) -> JsonObject:
        return {
            "asset_token": self.token,
            "content_type": self.content_type,
            "size": self.size,
            "width": self.width,
            "height": self.height,
        }


@dataclass
class IdempotencyEntry:
    body_hash: str
    order_id: str
    created_at: float


@dataclass
class RequestLogEntry:
    method: str
    path: str
    status: int | None
    fault: str | None
