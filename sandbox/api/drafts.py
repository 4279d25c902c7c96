"""Order drafts: create, edit, attach images, validate (READY), submit (exactly one order)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import IO, Annotated, Any

from fastapi import APIRouter, Depends, File, Request, Response, UploadFile
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from sandbox import catalogue, clock, orders
from sandbox.api.bodies import JSON_OBJECT_BODY, read_json
from sandbox.auth import Authenticated
from sandbox.catalogue import ApiKey
from sandbox.errors import ApiError, Conflict, NotFound, ValidationFailed, field_error
from sandbox.images import NotAnImage, file_size, probe_image
from sandbox.pagination import paginate
from sandbox.records import Asset, Checkout, Draft, JsonObject
from sandbox.remote_images import FetchFailed, fetch_to_file
from sandbox.state import SandboxState, get_state
from sandbox.validation import (
    LineRules,
    as_integer,
    completeness_errors,
    expect_object,
    read_brand_id,
    validate_body,
    validate_lines,
)

router = APIRouter(prefix="/api/v1/order-drafts", tags=["order drafts"])
State = Annotated[SandboxState, Depends(get_state)]

DRAFT, READY, SUBMITTED = "DRAFT", "READY", "SUBMITTED"
MAX_PAYMENT_SESSION_SECONDS = 3600
ALREADY_SUBMITTED = "This draft has been submitted and can no longer change."
NOT_AN_IMAGE = "Upload a JPEG, PNG or WebP image."


@router.get("/")
async def list_drafts(
    request: Request,
    key: Authenticated,
    state: State,
    status: str | None = None,
    brand_id: str | None = None,
) -> dict[str, Any]:
    brands = key.brand_ids
    if brand_id:
        brands = (read_brand_id(brand_id, key),)
    wanted = status.upper() if status else None
    rows = [draft_json(draft) for draft in state.store.list_drafts(brands, wanted)]
    return paginate(request, rows, state.config.page_size)


@router.post("/", status_code=201, openapi_extra=JSON_OBJECT_BODY)
async def create_draft(request: Request, key: Authenticated, state: State) -> dict[str, Any]:
    payload = expect_object(await read_json(request))
    brand_id = read_brand_id(payload.get("brand_id"), key)
    now = clock.now()
    body = validate_body(payload, _rules(state, brand_id, now))
    draft = Draft(
        id=0,
        brand_id=brand_id,
        status=DRAFT,
        created_at=now,
        updated_at=now,
        reference_id=body.reference_id,
        line_items=body.line_items or [],
        shipping=body.shipping,
    )
    state.store.insert_draft(draft)
    return draft_json(draft)


@router.get("/{draft_id:int}/")
async def get_draft(draft_id: int, key: Authenticated, state: State) -> dict[str, Any]:
    return draft_json(_find(state, key, draft_id))


@router.patch("/{draft_id:int}/", openapi_extra=JSON_OBJECT_BODY)
async def update_draft(
    request: Request, draft_id: int, key: Authenticated, state: State
) -> dict[str, Any]:
    draft = _find_editable(state, key, draft_id)
    payload = expect_object(await read_json(request))
    if "brand_id" in payload and as_integer(payload["brand_id"]) != draft.brand_id:
        raise field_error("brand_id", "A draft cannot move to another brand.")
    now = clock.now()
    body = validate_body(payload, _rules(state, draft.brand_id, now))
    if "reference_id" in body.given:
        draft.reference_id = body.reference_id
    if "line_items" in body.given:
        draft.line_items = body.line_items or []
    if "shipping" in body.given:
        draft.shipping = body.shipping
    # Any edit voids the frozen prices and window: the draft must be validated again.
    draft.status = DRAFT
    draft.checkout = None
    draft.updated_at = now
    state.store.save_draft(draft)
    return draft_json(draft)


@router.delete("/{draft_id:int}/", status_code=204)
async def delete_draft(draft_id: int, key: Authenticated, state: State) -> Response:
    if not state.config.supports_delete:
        raise ApiError(405, 'Method "DELETE" not allowed.', {"Allow": "GET, PATCH, HEAD, OPTIONS"})
    draft = _find(state, key, draft_id)
    if draft.status == SUBMITTED:
        raise Conflict("A submitted draft cannot be deleted.")
    draft.deleted = True
    draft.updated_at = clock.now()
    state.store.save_draft(draft)
    return Response(status_code=204)


@router.post("/{draft_id:int}/assets/", status_code=201)
async def upload_asset(
    draft_id: int,
    key: Authenticated,
    state: State,
    file: Annotated[UploadFile, File(description="JPEG, PNG or WebP; the upload limit applies.")],
) -> dict[str, Any]:
    draft = _find_editable(state, key, draft_id)
    limit = state.config.max_upload_bytes
    size = await run_in_threadpool(file_size, file.file)
    if size > limit:
        raise field_error("file", f"The file is {size} bytes; the maximum is {limit} bytes.")
    return await _store_asset(state, draft, file.file, size, "file")


@router.post("/{draft_id:int}/assets/from-url/", status_code=201, openapi_extra=JSON_OBJECT_BODY)
async def upload_asset_from_url(
    request: Request, draft_id: int, key: Authenticated, state: State
) -> dict[str, Any]:
    draft = _find_editable(state, key, draft_id)
    payload = expect_object(await read_json(request))
    url = payload.get("url")
    if not url:
        raise field_error("url", "This field is required.")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise field_error("url", "Enter a valid URL.")
    try:
        downloaded = await fetch_to_file(url, state.config.max_upload_bytes)
    except FetchFailed as exc:
        raise field_error("url", str(exc)) from exc
    with downloaded:
        size = await run_in_threadpool(file_size, downloaded)
        return await _store_asset(state, draft, downloaded, size, "url")


@router.post("/{draft_id:int}/validate/")
async def validate_draft(draft_id: int, key: Authenticated, state: State) -> dict[str, Any]:
    draft = _find_editable(state, key, draft_id)
    now = clock.now()
    _make_ready(state, draft, now)
    state.store.save_draft(draft)
    assert draft.checkout is not None
    return {
        "valid": True,
        "status": draft.status,
        "line_items": [
            {
                "index": index,
                "sku": line["sku"],
                "unit_price": price,
                "currency": draft.checkout.currency,
                "errors": [],
            }
            for index, (line, price) in enumerate(
                zip(draft.line_items, draft.checkout.unit_prices, strict=True)
            )
        ],
        "checkout": _checkout_json(draft.checkout),
    }


@router.post("/{draft_id:int}/submit/", status_code=201)
async def submit_draft(draft_id: int, key: Authenticated, state: State) -> JSONResponse:
    draft = _find(state, key, draft_id)
    now = clock.now()
    interval = state.config.order_status_interval_seconds
    if draft.status == SUBMITTED:
        # Submitting again is how a client recovers from a lost answer: same order, never a
        # second one.
        assert draft.submitted_order_id is not None
        existing = state.store.get_order(draft.submitted_order_id)
        assert existing is not None
        return JSONResponse(orders.order_json(existing, now, interval), status_code=200)
    if draft.status == READY:
        assert draft.checkout is not None
        if now > draft.checkout.ready_until:
            raise ValidationFailed(
                {"non_field_errors": ["The checkout window has expired; validate the draft again."]}
            )
    else:
        _make_ready(state, draft, now)
    assert draft.checkout is not None and draft.shipping is not None
    with state.store.transaction():
        order = orders.place_order(
            state.store,
            brand_id=draft.brand_id,
            line_items=draft.line_items,
            shipping=draft.shipping,
            reference_id=draft.reference_id,
            now=now,
            prices=[Decimal(price) for price in draft.checkout.unit_prices],
            draft_id=draft.id,
        )
        draft.status = SUBMITTED
        draft.submitted_order_id = order.id
        draft.updated_at = now
        state.store.save_draft(draft)
    return JSONResponse(orders.order_json(order, now, interval), status_code=201)


# --- helpers ----------------------------------------------------------------------------------


def _rules(state: SandboxState, brand_id: int, now: float) -> LineRules:
    return LineRules(state.store, brand_id, now, state.config.option_ttl_seconds)


def _find(state: SandboxState, key: ApiKey, draft_id: int) -> Draft:
    draft = state.store.get_draft(draft_id)
    if draft is None or draft.deleted or not key.may_act_for(draft.brand_id):
        raise NotFound()
    return draft


def _find_editable(state: SandboxState, key: ApiKey, draft_id: int) -> Draft:
    draft = _find(state, key, draft_id)
    if draft.status == SUBMITTED:
        raise Conflict(ALREADY_SUBMITTED)
    return draft


def _make_ready(state: SandboxState, draft: Draft, now: float) -> None:
    """Re-check the whole draft and freeze its prices and checkout window (400 on problems)."""
    errors = completeness_errors(draft.line_items, draft.shipping)
    _, line_errors = validate_lines(draft.line_items, _rules(state, draft.brand_id, now))
    if line_errors is not None:
        errors["line_items"] = line_errors
    if errors:
        raise ValidationFailed(errors)
    prices = orders.unit_prices(draft.line_items)
    draft.checkout = Checkout(
        ready_until=now + state.config.ready_window_seconds,
        unit_prices=[catalogue.money(price) for price in prices],
        total=catalogue.money(orders.total_of(draft.line_items, prices)),
        currency=catalogue.CURRENCY,
    )
    draft.status = READY
    draft.updated_at = now


async def _store_asset(
    state: SandboxState, draft: Draft, file: IO[bytes], size: int, field: str
) -> dict[str, Any]:
    try:
        info = await run_in_threadpool(probe_image, file)
    except NotAnImage as exc:
        raise field_error(field, NOT_AN_IMAGE) from exc
    asset = Asset(
        token=str(uuid.uuid4()),
        brand_id=draft.brand_id,
        draft_id=draft.id,
        content_type=info.content_type,
        size=size,
        width=info.width,
        height=info.height,
        created_at=clock.now(),
    )
    state.store.insert_asset(asset)
    return asset.as_json()


def _checkout_json(checkout: Checkout) -> JsonObject:
    return {
        "ready_until": clock.to_iso(checkout.ready_until),
        "max_payment_session_seconds": MAX_PAYMENT_SESSION_SECONDS,
        "total": checkout.total,
        "currency": checkout.currency,
    }


def draft_json(draft: Draft) -> JsonObject:
    checkout = draft.checkout
    lines = draft.line_items
    if checkout is not None:
        lines = [
            {**line, "unit_price": price, "currency": checkout.currency}
            for line, price in zip(lines, checkout.unit_prices, strict=True)
        ]
    return {
        "id": draft.id,
        "brand_id": draft.brand_id,
        "status": draft.status,
        "reference_id": draft.reference_id,
        "line_items": lines,
        "shipping": draft.shipping,
        "created_at": clock.to_iso(draft.created_at),
        "updated_at": clock.to_iso(draft.updated_at),
        "checkout": _checkout_json(checkout) if checkout is not None else None,
        "submitted_order_id": draft.submitted_order_id,
    }
