"""What MGE sells and who may buy it: API keys, brands, product types, SKUs and prices.

Static data: the sandbox's catalogue never changes at runtime, so plain module-level constants
are enough and every request sees the same SKUs and prices.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

CURRENCY = "EUR"
MOCKUP_CREATE = "mockup:create"


@dataclass(frozen=True)
class Brand:
    brand_id: int
    brand_name: str
    brand_short_code: str
    preferred_currency: str
    is_default: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "brand_id": self.brand_id,
            "brand_name": self.brand_name,
            "brand_short_code": self.brand_short_code,
            "preferred_currency": self.preferred_currency,
            "is_default": self.is_default,
        }


@dataclass(frozen=True)
class ApiKey:
    # `label` names the key in stored state (idempotency scope) so the secret itself is never
    # written to disk or logs.
    label: str
    brands: tuple[Brand, ...]
    scopes: frozenset[str]

    def may_act_for(self, brand_id: int) -> bool:
        return any(brand.brand_id == brand_id for brand in self.brands)

    @property
    def brand_ids(self) -> tuple[int, ...]:
        return tuple(brand.brand_id for brand in self.brands)


DEMO_BRAND = Brand(116, "Demo Brand", "DEMO", CURRENCY, is_default=True)
SECOND_BRAND = Brand(117, "Second Brand", "SEC", CURRENCY, is_default=False)

API_KEYS: dict[str, ApiKey] = {
    "sk_sandbox_test": ApiKey(
        label="test",
        brands=(DEMO_BRAND, SECOND_BRAND),
        scopes=frozenset({MOCKUP_CREATE, "orders:write", "orders:read"}),
    ),
    "sk_sandbox_noscope": ApiKey(
        label="noscope",
        brands=(DEMO_BRAND,),
        scopes=frozenset({"orders:write", "orders:read"}),
    ),
}


# --- Product types and SKUs -------------------------------------------------------------------

PRODUCT_TYPES = ("VF", "SKLAD")
SIZES = ("40X50", "40X60", "60X80")
FRAMES = ("W", "WO", "WW")
FRAME_LABELS = {"W": "With frame", "WO": "Without frame", "WW": "Wrapped on wood"}
SPEED = "STD"
SPEED_LABEL = "Standard production"
DEFAULT_SIZE = "40X50"

# Codes seen in production whose meaning is unknown: listed, but with no variants or prices.
OPAQUE_PRODUCTS = ("PBN", "PHT", "PIX", "ACC")


@dataclass(frozen=True)
class ProductType:
    code: str
    name: str
    sku_template: str | None
    sku_example: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "sku_template": self.sku_template,
            "sku_example": self.sku_example,
        }


PRODUCTS: dict[str, ProductType] = {
    "DOT": ProductType(
        "DOT",
        "Dot painting kit",
        "DOT/{product_type}/{size}/{frame}/BLACK/{production_speed}",
        "DOT/VF/40X50/W/BLACK/STD",
    ),
    "DBN": ProductType(
        "DBN",
        "Diamond painting kit",
        "DBN/{product_type}/{size}/{colors_type}/{diamond_type}/{frame}/{production_speed}",
        "DBN/VF/40X50/COL50/SQRA/W/STD",
    ),
    **{code: ProductType(code, code, None, None) for code in OPAQUE_PRODUCTS},
}
ORDERABLE_PRODUCTS = ("DOT", "DBN")


def build_sku(product: str, product_type: str, size: str, frame: str) -> str:
    if product == "DBN":
        return f"DBN/{product_type}/{size}/COL50/SQRA/{frame}/{SPEED}"
    return f"{product}/{product_type}/{size}/{frame}/BLACK/{SPEED}"


def size_display(size: str) -> str:
    width, height = size.split("X")
    return f"{width} x {height} cm"


# Prices for the VF, with-frame kit of each size; other frames and SKLAD shift them.
_BASE_PRICES = {
    "DOT": {"40X50": Decimal("10.72"), "40X60": Decimal("12.36"), "60X80": Decimal("18.90")},
    "DBN": {"40X50": Decimal("14.20"), "40X60": Decimal("16.40"), "60X80": Decimal("24.80")},
}
_FRAME_DELTAS = {"W": Decimal("0.00"), "WO": Decimal("-2.50"), "WW": Decimal("4.00")}
_PRODUCT_TYPE_DELTAS = {"VF": Decimal("0.00"), "SKLAD": Decimal("-0.50")}


@dataclass(frozen=True)
class Variant:
    id: int
    sku: str
    product: str
    product_type: str
    size: str
    frame: str
    unit_price: Decimal

    def as_json(self) -> dict[str, Any]:
        is_diamond = self.product == "DBN"
        return {
            "id": self.id,
            "code": self.sku,
            "product": self.product,
            "product_type": self.product_type,
            "size": self.size,
            "size_display": size_display(self.size),
            "frame": self.frame,
            "colors_type": "COL50" if is_diamond else None,
            "diamond_type": "SQRA" if is_diamond else None,
        }


def _build_variants() -> dict[str, Variant]:
    variants: dict[str, Variant] = {}
    next_id = 1
    for product in ORDERABLE_PRODUCTS:
        for product_type in PRODUCT_TYPES:
            for size in SIZES:
                for frame in FRAMES:
                    price = (
                        _BASE_PRICES[product][size]
                        + _FRAME_DELTAS[frame]
                        + _PRODUCT_TYPE_DELTAS[product_type]
                    )
                    sku = build_sku(product, product_type, size, frame)
                    variants[sku] = Variant(next_id, sku, product, product_type, size, frame, price)
                    next_id += 1
    return variants


VARIANTS_BY_SKU: dict[str, Variant] = _build_variants()


def price_of(sku: str) -> Decimal | None:
    variant = VARIANTS_BY_SKU.get(sku)
    return variant.unit_price if variant else None


def money(amount: Decimal) -> str:
    return str(amount.quantize(Decimal("0.01")))


# --- Preview styles ---------------------------------------------------------------------------

PREVIEW_VARIANTS = ("source", "drama", "pop", "vintage")
DEFAULT_PREVIEW_VARIANT = "source"
VARIANT_LABELS = {
    "source": "True to the photo",
    "drama": "High contrast",
    "pop": "Bright pop colours",
    "vintage": "Warm vintage tones",
}

PREVIEW_OPTION_AXES: dict[str, dict[str, list[str]]] = {
    "DOT": {"variants": list(PREVIEW_VARIANTS), "sizes": list(SIZES)},
    "DBN": {
        "variants": list(PREVIEW_VARIANTS),
        "sizes": list(SIZES),
        "colors_type": ["COL50"],
        "diamond_type": ["SQRA"],
    },
}
