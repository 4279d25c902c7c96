"""Orders: ids, pricing, placement and the clock-driven status timeline."""

from __future__ import annotations

import hashlib
import json
import secrets
import string
from decimal import Decimal
from typing import Any, Literal

from sandbox import catalogue
from sandbox.clock import to_iso
from sandbox.records import JsonObject, Order
from sandbox.store import Store

# Each step takes order_status_interval_seconds; the last one stays.
STATUS_TIMELINE = ("processing", "in_production", "shipped", "delivered")
# Statuses /admin may force; a forced status sticks.
OrderStatus = Literal["processing", "in_production", "shipped", "delivered", "cancelled"]
_TRACKED = ("shipped", "delivered")


def new_order_id(store: Store) -> str:
    """`MGE` + 7 digits + one upper-case letter, like production's `MGE0980926F`."""
    while True:
        digits = "".join(secrets.choice(string.digits) for _ in range(7))
        order_id = f"MGE{digits}{secrets.choice(string.ascii_uppercase)}"
        if not store.order_id_taken(order_id):
            return order_id


def unit_prices(line_items: list[JsonObject]) -> list[Decimal]:
    prices = [catalogue.price_of(line["sku"]) for line in line_items]
    # Lines reach pricing only after validation, which rejects unpriced SKUs.
    assert all(price is not None for price in prices)
    return [price for price in prices if price is not None]


def total_of(line_items: list[JsonObject], prices: list[Decimal]) -> Decimal:
    return sum(
        (price * line["quantity"] for line, price in zip(line_items, prices, strict=True)),
        Decimal("0"),
    )


def body_hash(payload: Any) -> str:
    """Canonical JSON digest: key order and whitespace do not make two bodies differ."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def place_order(
    store: Store,
    *,
    brand_id: int,
    line_items: list[JsonObject],
    shipping: JsonObject,
    reference_id: str | None,
    now: float,
    prices: list[Decimal] | None = None,
    draft_id: int | None = None,
    idempotency_key: str | None = None,
) -> Order:
    """Store a new order; `prices` are a READY draft's frozen prices when it has them."""
    prices = prices if prices is not None else unit_prices(line_items)
    priced_lines = [
        {**line, "unit_price": catalogue.money(price)}
        for line, price in zip(line_items, prices, strict=True)
    ]
    order = Order(
        id=new_order_id(store),
        brand_id=brand_id,
        created_at=now,
        line_items=priced_lines,
        shipping=shipping,
        total=catalogue.money(total_of(line_items, prices)),
        currency=catalogue.CURRENCY,
        reference_id=reference_id,
        draft_id=draft_id,
        idempotency_key=idempotency_key,
    )
    store.insert_order(order)
    return order


def order_status(order: Order, now: float, interval_seconds: float) -> str:
    if order.forced_status is not None:
        return order.forced_status
    step = int(max(0.0, now - order.created_at) // interval_seconds)
    return STATUS_TIMELINE[min(step, len(STATUS_TIMELINE) - 1)]


def tracking_of(order: Order) -> JsonObject:
    number = f"JD01{order.id[3:10]}{order.id[-1]}"
    return {
        "carrier": "DHL",
        "number": number,
        "url": f"https://www.dhl.com/track?tracking-id={number}",
    }


def order_json(order: Order, now: float, interval_seconds: float) -> JsonObject:
    status = order_status(order, now, interval_seconds)
    return {
        "id": order.id,
        "brand_id": order.brand_id,
        "reference_id": order.reference_id,
        "status": status,
        "line_items": order.line_items,
        "shipping": order.shipping,
        "total": order.total,
        "currency": order.currency,
        "created_at": to_iso(order.created_at),
        "draft_id": order.draft_id,
        "tracking": tracking_of(order) if status in _TRACKED else None,
    }
