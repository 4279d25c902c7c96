"""DirectOrderWorkflow: one idempotent order, on a real dev server against the sandbox."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker

from mge import MgeSettings
from mge.models import LineItem
from tests.mge.imagefiles import make_image
from tests.support.image_server import ImageServer
from tests.support.shop import BRAND, SHIPPING, SKU
from tests.workflows.journeys import FAST_FOLLOW_UP, place_direct_order, start_preview
from tests.workflows.worker_process import WorkerProcess
from workflows.direct_order import DirectOrderWorkflow
from workflows.messages import DirectOrderInput, Stage


def url_line(url: str) -> LineItem:
    return LineItem(sku=SKU, quantity=1, asset_url=url)


@pytest.fixture
def photo_url(image_server: ImageServer) -> str:
    make_image(image_server.root / "shop.jpg", "JPEG", (1200, 900))
    return f"{image_server.url}/f/shop.jpg"


async def test_order_with_an_image_url(
    client: Client,
    worker: Worker,
    task_queue: str,
    reference: str,
    photo_url: str,
    sandbox: Any,
    replay_check: Any,
) -> None:
    handle, outcome = await place_direct_order(
        client, task_queue, reference=reference, lines=[url_line(photo_url)]
    )
    assert outcome.order is not None and outcome.validation is None
    _, again = await place_direct_order(  # same reference: the same journey, the same order
        client, task_queue, reference=reference, lines=[url_line(photo_url)]
    )
    assert again.order is not None and again.order.order_id == outcome.order.order_id
    result = await handle.result()
    assert result.stage == Stage.SUBMITTED
    params = result.lines[0].asset_params
    assert params is not None and (params.source_width, params.source_height) == (1200, 900)
    audit = sandbox.audit()
    (order,) = [o for o in audit["orders"] if o["reference_id"] == reference]
    assert order["idempotency_key"] == handle.id == f"order/{BRAND}/{reference}"
    await replay_check(handle, "direct_order_url")


async def test_order_with_a_chosen_preview_line(
    client: Client, worker: Worker, task_queue: str, reference: str, jpeg: Path
) -> None:
    _, options = await start_preview(client, task_queue, reference=reference, photo=str(jpeg))
    line = LineItem.from_order_line(options[0].order_line)
    _, outcome = await place_direct_order(client, task_queue, reference=reference, lines=[line])
    assert outcome.order is not None


async def test_dry_run_creates_nothing(
    client: Client,
    worker: Worker,
    task_queue: str,
    reference: str,
    photo_url: str,
    sandbox: Any,
    replay_check: Any,
) -> None:
    handle, outcome = await place_direct_order(
        client, task_queue, reference=reference, lines=[url_line(photo_url)], dry_run=True
    )
    assert outcome.order is None and outcome.validation is not None
    assert outcome.validation.total is not None
    assert (await handle.result()).stage == Stage.VALIDATED
    audit = sandbox.audit()
    assert audit["orders"] == []
    assert any(r["path"].endswith("orders/validate/") for r in audit["requests"])
    await replay_check(handle, "direct_order_dry_run")


async def test_a_too_small_image_is_refused_before_ordering(
    client: Client,
    worker: Worker,
    task_queue: str,
    reference: str,
    image_server: ImageServer,
    sandbox: Any,
) -> None:
    make_image(image_server.root / "thumb.png", "PNG", (120, 90))
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await place_direct_order(
            client,
            task_queue,
            reference=reference,
            lines=[url_line(f"{image_server.url}/f/thumb.png")],
        )
    assert isinstance(caught.value.cause, ApplicationError)
    assert caught.value.cause.type == "ImageRejected"
    assert "too small (120x90 pixels)" in caught.value.cause.message
    assert not [r for r in sandbox.audit()["requests"] if "orders" in r["path"]]


def test_tokens_are_refused_with_a_hint() -> None:
    with pytest.raises(ValidationError, match="asset tokens belong to a draft"):
        DirectOrderInput(
            brand_id=BRAND,
            reference="r-1",
            shipping=SHIPPING,
            lines=[LineItem(sku=SKU, asset_token="t")],
        )


async def test_exactly_one_order_when_the_answer_is_lost(
    client: Client, worker: Worker, task_queue: str, reference: str, photo_url: str, sandbox: Any
) -> None:
    sandbox.set_faults(
        [{"kind": "lost_response", "method": "POST", "path": r"/orders/$", "times": 1}]
    )
    _, outcome = await place_direct_order(
        client, task_queue, reference=reference, lines=[url_line(photo_url)]
    )
    assert outcome.order is not None
    audit = sandbox.audit()
    posts = [
        r for r in audit["requests"] if r["method"] == "POST" and r["path"].endswith("/orders/")
    ]
    assert [r["fault"] for r in posts] == ["lost_response", None]
    assert audit["orders_by_reference"][reference] == [outcome.order.order_id]


@pytest.mark.slow
async def test_exactly_one_order_when_the_worker_dies_mid_order(
    client: Client,
    task_queue: str,
    reference: str,
    photo_url: str,
    sandbox: Any,
    mge_settings: MgeSettings,
    tmp_path: Path,
) -> None:
    first = WorkerProcess(client, task_queue, mge_settings, tmp_path / "w1.log").start()
    second = WorkerProcess(client, task_queue, mge_settings, tmp_path / "w2.log")
    sandbox.set_faults(
        [{"kind": "latency", "latency_ms": 1500, "method": "POST", "path": r"/orders/$"}]
    )
    try:
        placing = asyncio.create_task(
            place_direct_order(client, task_queue, reference=reference, lines=[url_line(photo_url)])
        )
        while not any(r["path"].endswith("/orders/") for r in sandbox.audit()["requests"]):
            await asyncio.sleep(0.05)
        first.kill()
        second.start()
        _, outcome = await asyncio.wait_for(placing, timeout=90)
    finally:
        first.kill()
        second.stop()
    assert outcome.order is not None
    assert sandbox.audit()["orders_by_reference"][reference] == [outcome.order.order_id]


async def test_follow_up_until_shipped(
    client: Client,
    worker: Worker,
    task_queue: str,
    reference: str,
    photo_url: str,
    sandbox: Any,
    replay_check: Any,
) -> None:
    sandbox.patch_config(order_status_interval_seconds=0.5)
    handle, _ = await place_direct_order(
        client,
        task_queue,
        reference=reference,
        lines=[url_line(photo_url)],
        follow_up=FAST_FOLLOW_UP,
    )
    result = await asyncio.wait_for(handle.result(), timeout=30)
    assert result.stage == Stage.SHIPPED and result.order and result.order.tracking
    await replay_check(handle, "direct_order_follow_up")
    view = await handle.query(DirectOrderWorkflow.view)
    assert view.order == result.order
