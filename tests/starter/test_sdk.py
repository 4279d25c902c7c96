"""The SDK against the real stack: dev server, sandbox, worker."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client
from temporalio.worker import Worker

from starter.errors import (
    Conflict,
    InvalidInput,
    JourneyClosed,
    JourneyNotFound,
    MgeAccessDenied,
    Refused,
    TemporalUnavailable,
)
from starter.sdk import Mgeflow
from tests.support.shop import BRAND, SHIPPING, SKU
from tests.workflows.journeys import NO_FOLLOW_UP
from workflows.ids import Journey
from workflows.messages import Stage


@pytest.fixture
def flow(client: Client, task_queue: str, worker: Worker) -> Mgeflow:
    return Mgeflow(client, task_queue=task_queue, follow_up=NO_FOLLOW_UP)


async def test_cart_end_to_end(flow: Mgeflow, reference: str, jpeg: Path, sandbox: Any) -> None:
    opened = await flow.open_cart(BRAND, reference)
    again = await flow.open_cart(BRAND, reference)
    assert opened.draft_id is not None and again.draft_id == opened.draft_id
    image = await flow.attach_image(BRAND, reference, str(jpeg))
    await flow.set_lines(BRAND, reference, [{"sku": SKU, "asset_token": image.asset_token}])
    await flow.set_shipping(BRAND, reference, SHIPPING.model_dump())
    quote = await flow.validate_cart(BRAND, reference)
    assert quote.total is not None
    order = await flow.submit_cart(BRAND, reference)
    assert (await flow.submit_cart(BRAND, reference)) == order  # ended or not: the same order
    assert (await flow.view_cart(BRAND, reference)).stage == Stage.SUBMITTED
    assert sandbox.audit()["orders_by_reference"][reference] == [order.order_id]

    (found,) = await flow.find_journeys(brand_id=BRAND, reference=reference)
    assert (found.journey, found.order_id, found.stage) == (
        Journey.DRAFT_ORDER,
        order.order_id,
        "SUBMITTED",
    )
    shown = await flow.describe(found.workflow_id)
    assert shown["view"]["order"]["order_id"] == order.order_id


async def test_a_first_edit_opens_the_cart(flow: Mgeflow, reference: str, jpeg: Path) -> None:
    image = await flow.attach_image(BRAND, reference, str(jpeg))
    view = await flow.view_cart(BRAND, reference)
    assert view.images[0].asset_token == image.asset_token


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda f: f.open_cart(BRAND, "has spaces"), "reference"),
        (lambda f: f.open_cart(0, "r-1"), "brand_id"),
        (
            lambda f: f.set_shipping(BRAND, "r-1", {**SHIPPING.model_dump(), "line1": "x"}),
            "shipping.line1",
        ),
        (
            lambda f: f.set_lines(
                BRAND,
                "r-1",
                [{"sku": SKU, "asset_url": "https://x/p.jpg", "preview_option_id": "p"}],
            ),
            "lines[0]",
        ),
        (lambda f: f.attach_image(BRAND, "r-1", ""), "image"),
    ],
)
async def test_bad_input_is_refused_before_any_journey_starts(
    flow: Mgeflow, call: Any, field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        await call(flow)
    assert field in caught.value.field_errors
    assert caught.value.status == 422
    assert caught.value.to_response()["field_errors"] == caught.value.field_errors
    assert await flow.find_journeys(reference="r-1") == []


async def test_mge_refusal_has_mges_fields(flow: Mgeflow, reference: str) -> None:
    with pytest.raises(Refused) as caught:
        await flow.set_lines(
            BRAND, reference, [{"sku": "DOT/VF/99X99/W/BLACK/STD", "asset_url": "https://x/p.jpg"}]
        )
    body = caught.value.to_response()
    assert body["error"] == "refused_by_mge" and "line_items[0].sku" in body["field_errors"]
    assert "DraftOrder" not in caught.value.message  # nothing of Temporal leaks


async def test_missing_and_closed_journeys(flow: Mgeflow, reference: str) -> None:
    with pytest.raises(JourneyNotFound) as missing:
        await flow.view_cart(BRAND, reference)
    assert missing.value.status == 404
    await flow.open_cart(BRAND, reference)
    await flow.discard_cart(BRAND, reference)
    with pytest.raises(JourneyClosed) as closed:
        await flow.set_shipping(BRAND, reference, SHIPPING)
    assert closed.value.status == 409
    with pytest.raises(JourneyClosed):
        await flow.submit_cart(BRAND, reference)


async def test_preview_and_direct_orders(
    flow: Mgeflow, reference: str, jpeg: Path, sandbox: Any
) -> None:
    options = await flow.start_preview(BRAND, reference, str(jpeg), variants=["source"])
    assert options == await flow.preview_options(BRAND, reference)
    row = options[0]
    choice = await flow.choose(
        BRAND,
        reference,
        preview_option_id=row.preview_option_id,
        sku=row.order_line.sku,
        shipping=SHIPPING,
    )
    assert choice.order is not None

    other = f"{reference}-direct"
    dry = await flow.place_order(
        BRAND, f"{other}-dry", lines=[row.order_line], shipping=SHIPPING, dry_run=True
    )
    assert dry.order is None and dry.validation is not None
    # the option is already ordered once; a direct order of the same line is a second kit
    placed = await flow.place_order(BRAND, other, lines=[row.order_line], shipping=SHIPPING)
    again = await flow.place_order(BRAND, other, lines=[row.order_line], shipping=SHIPPING)
    assert placed.order is not None and again.order == placed.order
    assert sandbox.audit()["orders_by_reference"][other] == [placed.order.order_id]
    assert (await flow.view_order(BRAND, other)).stage == Stage.SUBMITTED


async def test_unreachable_temporal_is_one_clear_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(TemporalUnavailable, match="cannot reach Temporal"):
        await Mgeflow.connect(env={"TEMPORAL_ADDRESS": f"127.0.0.1:{port}"})


async def test_a_dry_run_reference_never_swallows_a_real_order(
    flow: Mgeflow, reference: str, jpeg: Path, sandbox: Any
) -> None:
    options = await flow.start_preview(BRAND, reference, str(jpeg))
    line = options[0].order_line
    await flow.place_order(BRAND, f"{reference}-o", lines=[line], shipping=SHIPPING, dry_run=True)
    with pytest.raises(Conflict, match="was used by a dry run"):
        await flow.place_order(BRAND, f"{reference}-o", lines=[line], shipping=SHIPPING)
    assert f"{reference}-o" not in sandbox.audit()["orders_by_reference"]


async def test_a_cart_mge_refuses_to_create_answers_every_call(
    flow: Mgeflow, reference: str, jpeg: Path
) -> None:
    with pytest.raises(MgeAccessDenied):  # the key may not act for brand 999
        await flow.attach_image(999, reference, str(jpeg))
    with pytest.raises(JourneyClosed):  # the reference is spent; the journey says why
        await flow.open_cart(999, reference)
    assert (await flow.view_cart(999, reference)).stage == Stage.FAILED
