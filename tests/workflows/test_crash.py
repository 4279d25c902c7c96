"""A worker SIGKILLed while MGE handles the submit: another worker finishes the journey, and MGE
holds exactly one order."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client

from mge import MgeSettings
from tests.workflows.test_draft_order import fill_cart, open_cart
from tests.workflows.worker_process import WorkerProcess
from workflows.draft_order import DraftOrderWorkflow
from workflows.messages import Stage

pytestmark = pytest.mark.slow


async def until(predicate: Any) -> None:
    while not predicate():
        await asyncio.sleep(0.05)


async def test_worker_killed_during_submit(
    client: Client,
    task_queue: str,
    reference: str,
    jpeg: Path,
    sandbox: Any,
    mge_settings: MgeSettings,
    tmp_path: Path,
) -> None:
    first = WorkerProcess(client, task_queue, mge_settings, tmp_path / "worker-1.log").start()
    second = WorkerProcess(client, task_queue, mge_settings, tmp_path / "worker-2.log")
    try:
        cart = await open_cart(client, task_queue, reference)
        await fill_cart(cart, jpeg)
        # MGE takes its time on the submit: the worker dies while the request is in flight.
        sandbox.set_faults([{"kind": "latency", "latency_ms": 1500, "path": r"/submit/$"}])
        submit = asyncio.create_task(cart.execute_update(DraftOrderWorkflow.submit))

        def submit_in_flight() -> bool:
            requests = sandbox.audit()["requests"]
            return any(r["path"].endswith("/submit/") for r in requests)

        await asyncio.wait_for(until(submit_in_flight), timeout=30)
        first.kill()
        second.start()
        order = await asyncio.wait_for(submit, timeout=90)
    finally:
        first.kill()
        second.stop()

    result = await cart.result()
    assert result.stage == Stage.SUBMITTED and result.order == order
    audit = sandbox.audit()
    assert audit["orders_by_draft"][str(result.draft_id)] == [order.order_id]
    # The dead worker's submit reached MGE; the next worker read the draft before deciding.
    tail = [(r["method"], r["path"].split("/api/v1/")[1]) for r in audit["requests"][-3:]]
    draft = f"order-drafts/{result.draft_id}/"
    assert tail == [
        ("POST", f"{draft}submit/"),
        ("GET", draft),
        ("GET", f"orders/{order.order_id}/"),
    ]

    logs = (tmp_path / "worker-1.log").read_text() + (tmp_path / "worker-2.log").read_text()
    assert "submit already applied" in logs and f"workflow_id={cart.id}" in logs
    for secret in (mge_settings.api_key.get_secret_value(), "ada@example.com", "Orchard"):
        assert secret not in logs
