"""PreviewSelectionWorkflow on a real dev server against the sandbox."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker

from tests.support.shop import SHIPPING
from tests.workflows.journeys import failure_of, start_preview
from workflows.draft_order import DraftOrderWorkflow
from workflows.messages import Choose, FollowUpPolicy, Outcome, ReplacePhoto, SetShipping, Stage
from workflows.preview_selection import PreviewSelectionWorkflow


def choice_of(row: Any, **extra: Any) -> Choose:
    return Choose(preview_option_id=row.preview_option_id, sku=row.order_line.sku, **extra)


async def test_preview_to_a_direct_order(
    client: Client,
    worker: Worker,
    task_queue: str,
    reference: str,
    jpeg: Path,
    sandbox: Any,
    replay_check: Any,
) -> None:
    journey, options = await start_preview(
        client, task_queue, reference=reference, photo=str(jpeg), variants=["source", "drama"]
    )
    assert {row.order_line.sku.split("/")[0] for row in options} == {"DOT"}
    row = options[-1]
    choice = await journey.execute_update(
        PreviewSelectionWorkflow.choose, choice_of(row, shipping=SHIPPING)
    )
    assert choice.line == row.order_line and choice.order is not None
    result = await journey.result()
    assert result.stage == Stage.SUBMITTED and result.preview_status == "COMPLETED"
    audit = sandbox.audit()
    assert audit["orders_by_reference"][reference] == [choice.order.order_id]
    (order,) = [o for o in audit["orders"] if o["reference_id"] == reference]
    assert order["idempotency_key"] == f"{journey.id}#choice-1"
    await replay_check(journey, "preview_to_direct_order")


async def test_preview_to_a_draft_journey(
    client: Client,
    worker: Worker,
    task_queue: str,
    reference: str,
    jpeg: Path,
    sandbox: Any,
    replay_check: Any,
) -> None:
    journey, options = await start_preview(
        client, task_queue, reference=reference, photo=str(jpeg), outcome=Outcome.DRAFT
    )
    refused = await failure_of(
        journey.execute_update(
            PreviewSelectionWorkflow.choose, choice_of(options[0], shipping=SHIPPING)
        )
    )
    assert "set it there" in refused.message
    choice = await journey.execute_update(PreviewSelectionWorkflow.choose, choice_of(options[0]))
    assert choice.draft_workflow_id == f"draft/116/{reference}"
    assert (await journey.result()).stage == Stage.HANDED_OFF

    cart = client.get_workflow_handle_for(DraftOrderWorkflow.run, choice.draft_workflow_id)
    await cart.execute_update(DraftOrderWorkflow.set_shipping, SetShipping(shipping=SHIPPING))
    order = await cart.execute_update(DraftOrderWorkflow.submit)
    view = await cart.query(DraftOrderWorkflow.view)
    assert view.lines[0].model_dump(exclude_none=True) == options[0].order_line.model_dump()
    assert sandbox.audit()["orders_by_draft"][str(view.draft_id)] == [order.order_id]
    await replay_check(journey, "preview_to_draft")


async def test_partial_preview_offers_what_mge_made(
    client: Client, worker: Worker, task_queue: str, reference: str, jpeg: Path, sandbox: Any
) -> None:
    sandbox.patch_config(failing_variants=["drama"])
    journey, options = await start_preview(
        client, task_queue, reference=reference, photo=str(jpeg), variants=["source", "drama"]
    )
    view = await journey.query(PreviewSelectionWorkflow.view)
    assert view.preview_status == "PARTIAL" and options
    assert {(row.model_extra or {}).get("variant") for row in options} == {"source"}
    assert any("some preview variants failed" in n for n in view.notes)


async def test_failed_preview_ends_the_journey_with_mges_reason(
    client: Client,
    worker: Worker,
    task_queue: str,
    reference: str,
    jpeg: Path,
    sandbox: Any,
    replay_check: Any,
) -> None:
    sandbox.patch_config(failing_variants=["source"])
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await start_preview(client, task_queue, reference=reference, photo=str(jpeg))
    assert isinstance(caught.value.cause, ApplicationError)
    assert caught.value.cause.type == "PreviewFailed"
    journey = client.get_workflow_handle_for(
        PreviewSelectionWorkflow.run, f"preview/116/{reference}"
    )
    result = await journey.result()
    assert result.stage == Stage.FAILED and result.last_error is not None
    assert "No preview variant could be generated" in result.last_error.message
    await replay_check(journey, "preview_failed")


async def test_a_row_that_was_not_offered_is_refused(
    client: Client, worker: Worker, task_queue: str, reference: str, jpeg: Path
) -> None:
    journey, options = await start_preview(client, task_queue, reference=reference, photo=str(jpeg))
    forged = Choose(
        preview_option_id=options[0].preview_option_id,
        sku="DOT/VF/60X80/W/BLACK/STD",
        shipping=SHIPPING,
    )
    refused = await failure_of(journey.execute_update(PreviewSelectionWorkflow.choose, forged))
    assert "was not offered" in refused.message
    no_shipping = await failure_of(
        journey.execute_update(PreviewSelectionWorkflow.choose, choice_of(options[0]))
    )
    assert "shipping is required" in no_shipping.message
    assert (await journey.query(PreviewSelectionWorkflow.view)).stage == Stage.CHOOSING


async def test_the_deadline_expires_the_journey(
    client: Client, worker: Worker, task_queue: str, reference: str, jpeg: Path, replay_check: Any
) -> None:
    journey, _ = await start_preview(
        client,
        task_queue,
        reference=reference,
        photo=str(jpeg),
        selection_deadline=timedelta(seconds=1),
    )
    result = await asyncio.wait_for(journey.result(), timeout=30)
    assert result.stage == Stage.EXPIRED
    await replay_check(journey, "preview_expired")


async def test_photo_replacement_regenerates_and_drops_old_options(
    client: Client,
    worker: Worker,
    task_queue: str,
    reference: str,
    jpeg: Path,
    sandbox: Any,
    replay_check: Any,
) -> None:
    journey, first = await start_preview(client, task_queue, reference=reference, photo=str(jpeg))
    state = await journey.execute_update(
        PreviewSelectionWorkflow.replace_photo, ReplacePhoto(photo=str(jpeg))
    )
    assert state.stage == Stage.GENERATING and state.options == []
    second = await journey.execute_update(PreviewSelectionWorkflow.wait_for_options)
    old_ids = {row.preview_option_id for row in first}
    assert old_ids.isdisjoint({row.preview_option_id for row in second})
    stale = await failure_of(
        journey.execute_update(
            PreviewSelectionWorkflow.choose, choice_of(first[0], shipping=SHIPPING)
        )
    )
    assert "was not offered" in stale.message
    choice = await journey.execute_update(
        PreviewSelectionWorkflow.choose, choice_of(second[0], shipping=SHIPPING)
    )
    assert choice.order is not None
    puts = [r for r in sandbox.audit()["requests"] if r["method"] == "PUT"]
    assert len(puts) == 1
    await replay_check(journey, "preview_photo_replaced")


async def test_expired_option_then_a_fresh_preview_in_the_same_journey(
    client: Client,
    worker: Worker,
    task_queue: str,
    reference: str,
    jpeg: Path,
    sandbox: Any,
    replay_check: Any,
) -> None:
    sandbox.patch_config(option_ttl_seconds=0.5)
    journey, options = await start_preview(client, task_queue, reference=reference, photo=str(jpeg))
    await asyncio.sleep(0.7)
    expired = await failure_of(
        journey.execute_update(
            PreviewSelectionWorkflow.choose, choice_of(options[0], shipping=SHIPPING)
        )
    )
    assert expired.type == "MgePreviewOptionExpired" and "create a fresh preview" in expired.message
    assert (await journey.query(PreviewSelectionWorkflow.view)).stage == Stage.CHOOSING

    sandbox.patch_config(option_ttl_seconds=3600)
    await journey.execute_update(PreviewSelectionWorkflow.regenerate)
    fresh = await journey.execute_update(PreviewSelectionWorkflow.wait_for_options)
    choice = await journey.execute_update(
        PreviewSelectionWorkflow.choose, choice_of(fresh[0], shipping=SHIPPING)
    )
    assert choice.order is not None
    assert sandbox.audit()["orders_by_reference"][reference] == [choice.order.order_id]
    await replay_check(journey, "preview_option_expired_then_fresh")


async def test_a_double_click_on_choose_places_one_order(
    client: Client, worker: Worker, task_queue: str, reference: str, jpeg: Path, sandbox: Any
) -> None:
    # Following its order keeps the journey running, so later calls reach its handlers.
    journey, options = await start_preview(
        client, task_queue, reference=reference, photo=str(jpeg), follow_up=FollowUpPolicy()
    )
    choose = choice_of(options[0], shipping=SHIPPING)
    first, second = await asyncio.gather(
        journey.execute_update(PreviewSelectionWorkflow.choose, choose),
        journey.execute_update(PreviewSelectionWorkflow.choose, choose),
    )
    assert first == second and first.order is not None
    other = await failure_of(
        journey.execute_update(
            PreviewSelectionWorkflow.choose, choice_of(options[1], shipping=SHIPPING)
        )
    )
    assert "nothing to choose from" in other.message
    assert sandbox.audit()["orders_by_reference"][reference] == [first.order.order_id]
