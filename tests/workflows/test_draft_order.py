"""DraftOrderWorkflow on a real dev server, against the sandbox over sockets."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import (
    Client,
    WorkflowHandle,
)
from temporalio.service import RPCError
from temporalio.worker import Worker

from mge import ImageOpener, MgeClient, MgeSettings
from mge.models import LineItem, PreviewRequest
from tests.mge.test_client import ready_preview
from tests.support.shop import BRAND, SHIPPING, SKU
from tests.workflows.journeys import FAST_FOLLOW_UP, NO_FOLLOW_UP, failure_of, update_with_start
from workflows import search_attributes as sa
from workflows.draft_order import DraftOrderWorkflow
from workflows.ids import Journey
from workflows.messages import (
    AttachImage,
    Discard,
    DraftOrderInput,
    DraftOrderState,
    FollowUpPolicy,
    SetLines,
    SetShipping,
    Stage,
)

Cart = WorkflowHandle[DraftOrderWorkflow, DraftOrderState]


async def open_cart(
    client: Client,
    task_queue: str,
    reference: str,
    idle: timedelta = timedelta(hours=1),
    follow_up: FollowUpPolicy = NO_FOLLOW_UP,
) -> Cart:
    """Open a cart with update-with-start, as the SDK does."""
    request = DraftOrderInput(
        brand_id=BRAND, reference=reference, idle_timeout=idle, follow_up=follow_up
    )
    handle, _ = await update_with_start(
        client, task_queue, Journey.DRAFT_ORDER, DraftOrderWorkflow.run, request,
        DraftOrderWorkflow.opened,
    )  # fmt: skip
    return handle


async def fill_cart(cart: Cart, jpeg: Path) -> str:
    image = await cart.execute_update(DraftOrderWorkflow.attach_image, AttachImage(image=str(jpeg)))
    line = LineItem(sku=SKU, quantity=1, asset_token=image.asset_token)
    await cart.execute_update(DraftOrderWorkflow.set_lines, SetLines(lines=[line]))
    await cart.execute_update(DraftOrderWorkflow.set_shipping, SetShipping(shipping=SHIPPING))
    return image.asset_token


async def test_flow_a_cart_to_one_order(
    client: Client,
    worker: Worker,
    task_queue: str,
    reference: str,
    jpeg: Path,
    sandbox: Any,
    replay_check: Any,
) -> None:
    cart = await open_cart(client, task_queue, reference)
    again = await open_cart(client, task_queue, reference)  # same reference: same cart
    assert again.id == cart.id
    image = await cart.execute_update(DraftOrderWorkflow.attach_image, AttachImage(image=str(jpeg)))
    assert (image.width, image.height, image.content_type) == (640, 480, "image/jpeg")
    line = LineItem(sku=SKU, quantity=1, asset_url="https://img.example/p.jpg")
    await cart.execute_update(DraftOrderWorkflow.set_lines, SetLines(lines=[line]))
    # attaching to line 0 swaps its image source for the uploaded asset, with probed size
    await cart.execute_update(DraftOrderWorkflow.attach_image, AttachImage(image=str(jpeg), line=0))
    await cart.execute_update(DraftOrderWorkflow.set_shipping, SetShipping(shipping=SHIPPING))
    quote = await cart.execute_update(DraftOrderWorkflow.validate)
    assert quote.total is not None and quote.ready_until is not None

    order, repeat = await asyncio.gather(  # a double click: one order, the same answer twice
        cart.execute_update(DraftOrderWorkflow.submit),
        cart.execute_update(DraftOrderWorkflow.submit),
    )
    assert repeat == order
    result = await cart.result()
    assert result.stage == Stage.SUBMITTED and result.order == order
    assert result.lines[0].asset_token and result.lines[0].asset_params
    assert result.lines[0].asset_params.source_width == 640

    audit = sandbox.audit()
    assert audit["orders_by_draft"][str(result.draft_id)] == [order.order_id]
    assert audit["orders_by_reference"][reference] == [order.order_id]
    attributes = (await cart.describe()).typed_search_attributes
    assert attributes.get(sa.STAGE) == "SUBMITTED"
    assert attributes.get(sa.ORDER_ID) == order.order_id
    assert attributes.get(sa.DRAFT_ID) == str(result.draft_id)
    assert attributes.get(sa.BRAND_ID) == BRAND and attributes.get(sa.REFERENCE) == reference
    await replay_check(cart, "draft_order_flow_a")


async def test_flow_b_lines_from_purchase_options(
    client: Client,
    worker: Worker,
    task_queue: str,
    reference: str,
    jpeg: Path,
    mge_settings: MgeSettings,
    replay_check: Any,
) -> None:
    async with MgeClient(mge_settings) as mge:
        opener = ImageOpener(max_bytes=mge_settings.max_image_bytes)
        async with opener.open(str(jpeg)) as photo:
            preview = await mge.create_preview(
                PreviewRequest(brand_id=BRAND, products=["DOT"], preferred_size="40X50"), photo
            )
        await opener.aclose()
        rows = await mge.get_purchase_options((await ready_preview(mge, preview)).id)
    cart = await open_cart(client, task_queue, reference)
    lines = [LineItem.from_order_line(rows[0].order_line)]
    await cart.execute_update(DraftOrderWorkflow.set_lines, SetLines(lines=lines))
    await cart.execute_update(DraftOrderWorkflow.set_shipping, SetShipping(shipping=SHIPPING))
    order = await cart.execute_update(DraftOrderWorkflow.submit)
    assert (await cart.result()).order == order
    await replay_check(cart, "draft_order_flow_b")


async def test_validators_refuse_without_touching_history(
    client: Client, worker: Worker, task_queue: str, reference: str, replay_check: Any
) -> None:
    cart = await open_cart(client, task_queue, reference)
    refusals = {
        "validate": cart.execute_update(DraftOrderWorkflow.validate),
        "submit": cart.execute_update(DraftOrderWorkflow.submit),
        "attach": cart.execute_update(
            DraftOrderWorkflow.attach_image, AttachImage(image="/x.jpg", line=3)
        ),
        "token": cart.execute_update(
            DraftOrderWorkflow.set_lines,
            SetLines(lines=[LineItem(sku=SKU, asset_token="not-from-this-cart")]),
        ),
    }
    messages = {name: (await failure_of(update)).message for name, update in refusals.items()}
    assert "no lines and no shipping" in messages["validate"]
    assert "no lines and no shipping" in messages["submit"]
    assert "line 3 does not exist" in messages["attach"]
    assert "lines[0].asset_token was not attached" in messages["token"]

    await cart.execute_update(DraftOrderWorkflow.discard)
    with pytest.raises(RPCError, match="already completed"):
        await cart.execute_update(DraftOrderWorkflow.set_shipping, SetShipping(shipping=SHIPPING))
    history = await cart.fetch_history()
    accepted = [
        e
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
    ]
    assert len(accepted) == 2  # the opening update and the discard; refusals left no trace
    assert (await cart.result()).stage == Stage.DISCARDED
    await replay_check(cart, "draft_order_discarded")


async def test_mge_refusal_reaches_the_caller_and_the_cart_stays_usable(
    client: Client, worker: Worker, task_queue: str, reference: str, jpeg: Path, replay_check: Any
) -> None:
    cart = await open_cart(client, task_queue, reference)
    unknown_size = LineItem(sku="DOT/VF/99X99/W/BLACK/STD", asset_url="https://img.example/p.jpg")
    refusal = await failure_of(
        cart.execute_update(DraftOrderWorkflow.set_lines, SetLines(lines=[unknown_size]))
    )
    assert refusal.type == "MgeValidationError"
    assert "line_items[0].sku" in refusal.details[0]["field_errors"]
    view = await cart.query(DraftOrderWorkflow.view)
    assert view.last_error is not None and view.last_error.type == "MgeValidationError"
    assert view.lines == [] and view.stage == Stage.OPEN

    await fill_cart(cart, jpeg)
    assert (await cart.execute_update(DraftOrderWorkflow.submit)).order_id
    await replay_check(cart, "draft_order_refused_edit")


async def test_idle_cart_is_abandoned_and_its_draft_discarded(
    client: Client, worker: Worker, task_queue: str, reference: str, sandbox: Any, replay_check: Any
) -> None:
    cart = await open_cart(client, task_queue, reference, idle=timedelta(seconds=2))
    result = await asyncio.wait_for(cart.result(), timeout=30)
    assert result.stage == Stage.ABANDONED
    drafts = {d["id"]: d for d in sandbox.audit()["drafts"]}
    assert drafts[result.draft_id]["deleted"] is True
    await replay_check(cart, "draft_order_abandoned")


async def test_abandonment_where_mge_cannot_delete_drafts(
    client: Client, worker: Worker, task_queue: str, reference: str, sandbox: Any
) -> None:
    sandbox.patch_config(supports_delete=False)
    cart = await open_cart(client, task_queue, reference, idle=timedelta(seconds=1))
    result = await asyncio.wait_for(cart.result(), timeout=30)
    assert result.stage == Stage.ABANDONED
    assert any("does not support discarding" in note for note in result.notes)


async def test_submit_after_the_payment_window_validates_again(
    client: Client,
    worker: Worker,
    task_queue: str,
    reference: str,
    jpeg: Path,
    sandbox: Any,
    replay_check: Any,
) -> None:
    sandbox.patch_config(ready_window_seconds=1)
    cart = await open_cart(client, task_queue, reference)
    await fill_cart(cart, jpeg)
    await cart.execute_update(DraftOrderWorkflow.validate)
    await asyncio.sleep(1.5)
    order = await cart.execute_update(DraftOrderWorkflow.submit)
    validations = [r for r in sandbox.audit()["requests"] if r["path"].endswith("/validate/")]
    assert len(validations) == 2 and order.order_id
    assert any("payment window passed" in n for n in (await cart.result()).notes)
    await replay_check(cart, "draft_order_payment_window")


async def test_exactly_one_order_when_the_submit_answer_is_lost(
    client: Client,
    worker: Worker,
    task_queue: str,
    reference: str,
    jpeg: Path,
    sandbox: Any,
    replay_check: Any,
) -> None:
    cart = await open_cart(client, task_queue, reference)
    await fill_cart(cart, jpeg)
    sandbox.set_faults([{"kind": "lost_response", "path": r"/submit/$", "times": 1}])
    order = await cart.execute_update(DraftOrderWorkflow.submit)
    audit = sandbox.audit()
    submits = [r for r in audit["requests"] if r["path"].endswith("/submit/")]
    assert submits[0]["fault"] == "lost_response"
    draft_id = (await cart.query(DraftOrderWorkflow.view)).draft_id
    assert audit["orders_by_draft"][str(draft_id)] == [order.order_id]
    await replay_check(cart, "draft_order_lost_submit_answer")


async def test_continue_as_new_keeps_the_cart(
    client: Client, worker: Worker, task_queue: str, reference: str, jpeg: Path, replay_check: Any
) -> None:
    cart = await open_cart(client, task_queue, reference)
    token = await fill_cart(cart, jpeg)
    first_run = (await cart.describe()).run_id
    for quantity in range(1, 30):
        line = LineItem(sku=SKU, quantity=quantity, asset_token=token)
        await cart.execute_update(DraftOrderWorkflow.set_lines, SetLines(lines=[line]))
    latest = client.get_workflow_handle_for(DraftOrderWorkflow.run, cart.id)
    assert (await latest.describe()).run_id != first_run
    view = await latest.query(DraftOrderWorkflow.view)
    assert view.lines[0].quantity == 29 and view.shipping_set and view.images
    order = await latest.execute_update(DraftOrderWorkflow.submit)
    assert (await latest.result()).order == order
    await replay_check(latest, "draft_order_after_continue_as_new")


async def test_order_follow_up_until_shipped(
    client: Client,
    worker: Worker,
    task_queue: str,
    reference: str,
    jpeg: Path,
    sandbox: Any,
    replay_check: Any,
) -> None:
    sandbox.patch_config(order_status_interval_seconds=0.5)
    cart = await open_cart(client, task_queue, reference, follow_up=FAST_FOLLOW_UP)
    await fill_cart(cart, jpeg)
    order = await cart.execute_update(DraftOrderWorkflow.submit)
    assert order.status == "processing"
    again = await cart.execute_update(DraftOrderWorkflow.submit)  # still following: same answer
    assert again.order_id == order.order_id
    result = await asyncio.wait_for(cart.result(), timeout=30)
    assert result.stage == Stage.SHIPPED and result.order is not None
    assert result.order.tracking is not None and result.order.tracking.number
    assert (await cart.describe()).typed_search_attributes.get(sa.STAGE) == "SHIPPED"
    await replay_check(cart, "draft_order_follow_up")


async def test_a_conditional_discard_leaves_a_cart_edited_since(
    client: Client, worker: Worker, task_queue: str, reference: str, jpeg: Path
) -> None:
    cart = await open_cart(client, task_queue, reference)
    seen = (await cart.query(DraftOrderWorkflow.view)).last_activity_at
    await fill_cart(cart, jpeg)  # the shopper comes back after the sweep looked
    refused = await failure_of(
        cart.execute_update(DraftOrderWorkflow.discard, Discard(unless_active_since=seen))
    )
    assert "changed meanwhile" in refused.message
    assert (await cart.query(DraftOrderWorkflow.view)).stage == Stage.OPEN

    latest = (await cart.query(DraftOrderWorkflow.view)).last_activity_at
    ended = await cart.execute_update(
        DraftOrderWorkflow.discard, Discard(reason="stale", unless_active_since=latest)
    )
    assert ended.stage == Stage.DISCARDED and "discarded: stale" in ended.notes
