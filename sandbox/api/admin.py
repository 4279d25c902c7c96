"""The sandbox's own control surface (no auth): reset, config, faults, audit, time travel.

Tests and demos drive the emulator through these; MGE has no such endpoints.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from sandbox import clock, orders, previews
from sandbox.config import ConfigPatch
from sandbox.errors import NotFound
from sandbox.faults import FaultRule
from sandbox.records import Preview
from sandbox.state import SandboxState, get_state

router = APIRouter(prefix="/admin", tags=["admin"])
State = Annotated[SandboxState, Depends(get_state)]


class FaultRules(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rules: list[FaultRule] = Field(default_factory=list)


class ForcedStatus(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: orders.OrderStatus


class DraftTimes(BaseModel):
    """ISO 8601 timestamps (naive ones are UTC) to back-date a draft."""

    model_config = ConfigDict(extra="forbid")
    created_at: datetime | None = None
    updated_at: datetime | None = None


@router.get("/health")
async def health() -> dict[str, bool]:
    return {"ok": True}


@router.post("/reset")
async def reset(state: State) -> dict[str, bool]:
    state.reset()
    return {"ok": True}


@router.get("/config")
async def get_config(state: State) -> dict[str, Any]:
    return state.config.model_dump()


@router.patch("/config")
async def patch_config(patch: ConfigPatch, state: State) -> dict[str, Any]:
    state.config = patch.apply_to(state.config)
    return state.config.model_dump()


@router.get("/faults")
async def list_faults(state: State) -> FaultRules:
    return FaultRules(rules=state.faults.rules())


@router.post("/faults")
async def replace_faults(body: FaultRules, state: State) -> FaultRules:
    state.faults.replace(body.rules)
    return FaultRules(rules=state.faults.rules())


@router.delete("/faults")
async def clear_faults(state: State) -> FaultRules:
    state.faults.replace([])
    return FaultRules(rules=[])


@router.get("/audit")
async def audit(state: State) -> dict[str, Any]:
    store = state.store
    now = clock.now()
    interval = state.config.order_status_interval_seconds
    all_orders = store.all_orders()
    by_reference: dict[str, list[str]] = defaultdict(list)
    by_draft: dict[str, list[str]] = defaultdict(list)
    for order in all_orders:
        if order.reference_id is not None:
            by_reference[order.reference_id].append(order.id)
        if order.draft_id is not None:
            by_draft[str(order.draft_id)].append(order.id)
    return {
        "orders": [
            {
                "id": order.id,
                "brand_id": order.brand_id,
                "reference_id": order.reference_id,
                "draft_id": order.draft_id,
                "idempotency_key": order.idempotency_key,
                "status": orders.order_status(order, now, interval),
                "created_at": clock.to_iso(order.created_at),
            }
            for order in all_orders
        ],
        "orders_by_reference": by_reference,
        "orders_by_draft": by_draft,
        "drafts": [
            {
                "id": draft.id,
                "brand_id": draft.brand_id,
                "status": draft.status,
                "reference_id": draft.reference_id,
                "submitted_order_id": draft.submitted_order_id,
                "deleted": draft.deleted,
                "created_at": clock.to_iso(draft.created_at),
                "updated_at": clock.to_iso(draft.updated_at),
            }
            for draft in store.all_drafts()
        ],
        "previews": [
            {
                "id": preview.id,
                "brand_id": preview.brand_id,
                "status": _advanced_status(state, preview, now),
            }
            for preview in store.all_previews()
        ],
        "requests": [asdict(entry) for entry in store.request_log()],
    }


@router.post("/orders/{order_id}/status")
async def force_order_status(order_id: str, body: ForcedStatus, state: State) -> dict[str, Any]:
    order = state.store.get_order(order_id)
    if order is None:
        raise NotFound()
    order.forced_status = body.status
    state.store.save_order(order)
    return orders.order_json(order, clock.now(), state.config.order_status_interval_seconds)


@router.patch("/drafts/{draft_id}")
async def backdate_draft(draft_id: int, body: DraftTimes, state: State) -> dict[str, Any]:
    draft = state.store.get_draft(draft_id)
    if draft is None:
        raise NotFound()
    if body.created_at is not None:
        draft.created_at = clock.epoch(body.created_at)
    if body.updated_at is not None:
        draft.updated_at = clock.epoch(body.updated_at)
    state.store.save_draft(draft)
    return {
        "id": draft.id,
        "created_at": clock.to_iso(draft.created_at),
        "updated_at": clock.to_iso(draft.updated_at),
    }


def _advanced_status(state: SandboxState, preview: Preview, now: float) -> str:
    # Generation advances on read; the audit reads too, so it never shows a stale PROCESSING.
    previews.advance(preview, state.store, state.config, now)
    return previews.status_of(preview, state.config, now)
