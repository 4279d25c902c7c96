"""Direct orders: place (idempotently), dry-run, read."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse

from sandbox import catalogue, clock, orders
from sandbox.api.bodies import JSON_OBJECT_BODY, read_json
from sandbox.auth import Authenticated
from sandbox.errors import Conflict, NotFound
from sandbox.records import IdempotencyEntry
from sandbox.state import SandboxState, get_state
from sandbox.validation import LineRules, expect_object, read_brand_id, validate_complete_order

router = APIRouter(prefix="/api/v1/orders", tags=["orders"])
State = Annotated[SandboxState, Depends(get_state)]

IDEMPOTENCY_WINDOW_SECONDS = 24 * 3600


@router.post("/", status_code=201, openapi_extra=JSON_OBJECT_BODY)
async def place_order(
    request: Request,
    key: Authenticated,
    state: State,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    raw = await read_json(request)
    payload = expect_object(raw)
    brand_id = read_brand_id(payload.get("brand_id"), key)
    now = clock.now()
    interval = state.config.order_status_interval_seconds
    digest = orders.body_hash(raw)

    if idempotency_key:
        seen = state.store.get_idempotency(key.label, idempotency_key)
        if seen is not None and now - seen.created_at < IDEMPOTENCY_WINDOW_SECONDS:
            if seen.body_hash != digest:
                raise Conflict("Idempotency-Key was used with a different body.")
            existing = state.store.get_order(seen.order_id)
            if existing is not None:
                return JSONResponse(orders.order_json(existing, now, interval), status_code=200)

    rules = LineRules(state.store, brand_id, now, state.config.option_ttl_seconds)
    body = validate_complete_order(payload, rules)
    assert body.line_items and body.shipping is not None
    # No await from the idempotency check to here: two racing requests with one key cannot
    # both get past it.
    with state.store.transaction():
        order = orders.place_order(
            state.store,
            brand_id=brand_id,
            line_items=body.line_items,
            shipping=body.shipping,
            reference_id=body.reference_id,
            now=now,
            idempotency_key=idempotency_key or None,
        )
        if idempotency_key:
            state.store.put_idempotency(
                key.label, idempotency_key, IdempotencyEntry(digest, order.id, now)
            )
    return JSONResponse(orders.order_json(order, now, interval), status_code=201)


@router.post("/validate/", openapi_extra=JSON_OBJECT_BODY)
async def validate_order(request: Request, key: Authenticated, state: State) -> dict[str, Any]:
    payload = expect_object(await read_json(request))
    brand_id = read_brand_id(payload.get("brand_id"), key)
    now = clock.now()
    rules = LineRules(state.store, brand_id, now, state.config.option_ttl_seconds)
    body = validate_complete_order(payload, rules)
    assert body.line_items
    prices = orders.unit_prices(body.line_items)
    return {
        "valid": True,
        "line_items": [
            {
                "index": index,
                "sku": line["sku"],
                "unit_price": catalogue.money(price),
                "currency": catalogue.CURRENCY,
                "errors": [],
            }
            for index, (line, price) in enumerate(zip(body.line_items, prices, strict=True))
        ],
        "total": catalogue.money(orders.total_of(body.line_items, prices)),
        "currency": catalogue.CURRENCY,
    }


@router.get("/{order_id}/")
async def get_order(order_id: str, key: Authenticated, state: State) -> dict[str, Any]:
    order = state.store.get_order(order_id)
    if order is None or not key.may_act_for(order.brand_id):
        raise NotFound()
    return orders.order_json(order, clock.now(), state.config.order_status_interval_seconds)
