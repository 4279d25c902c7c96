"""StaleDraftSweepWorkflow on a real dev server, against the sandbox: journeys and MGE drafts are
seeded for real, policy limits are seconds, and every assertion on an effect reads the sandbox's
audit or the journeys themselves."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.worker import Worker

from activities.sweep_activities import draft_owners_query
from mge import MgeClient, MgeSettings
from mge.models import DraftCreate, LineItem
from tests.workflows.test_draft_order import BRAND, SHIPPING, SKU, Cart, open_cart
from tests.workflows.worker_process import WorkerProcess
from workflows.draft_order import DraftOrderWorkflow
from workflows.messages import SetLines, SetShipping, Stage
from workflows.stale_draft_sweep import StaleDraftSweepWorkflow
from workflows.sweep_messages import SweepAction, SweepInput, SweepPolicy, SweepReport

POLICY = SweepPolicy(
    idle_limit=timedelta(seconds=2),
    ready_grace=timedelta(seconds=1),
    draft_age_limit=timedelta(hours=1),
    batch_size=2,
    batches_per_run=3,
)
LINE = LineItem(sku=SKU, quantity=1, asset_url="https://img.example/p.jpg")
Sweep = WorkflowHandle[StaleDraftSweepWorkflow, SweepReport]
A = SweepAction


def long_ago() -> str:
    return (datetime.now(UTC) - timedelta(days=2)).isoformat()


async def sweep(
    client: Client,
    task_queue: str,
    *,
    dry_run: bool = False,
    policy: SweepPolicy = POLICY,
) -> tuple[Sweep, SweepReport]:
    handle = await start_sweep(client, task_queue, dry_run=dry_run, policy=policy)
    report = await asyncio.wait_for(handle.result(), 60)
    # the latest run (after continue-as-new), for replay
    return client.get_workflow_handle_for(StaleDraftSweepWorkflow.run, handle.id), report


async def start_sweep(
    client: Client, task_queue: str, *, dry_run: bool = False, policy: SweepPolicy = POLICY
) -> Sweep:
    return await client.start_workflow(
        StaleDraftSweepWorkflow.run,
        SweepInput(policy=policy, dry_run=dry_run),
        id=f"sweep-test-{uuid.uuid4().hex[:12]}",
        task_queue=task_queue,
    )


async def make_ready(cart: Cart) -> None:
    await cart.execute_update(DraftOrderWorkflow.set_lines, SetLines(lines=[LINE]))
    await cart.execute_update(DraftOrderWorkflow.set_shipping, SetShipping(shipping=SHIPPING))
    await cart.execute_update(DraftOrderWorkflow.validate)


async def draft_of(cart: Cart) -> int:
    draft_id = (await cart.query(DraftOrderWorkflow.view)).draft_id
    assert draft_id is not None
    return draft_id


async def outside_draft(mge: MgeClient, status: str = "DRAFT") -> int:
    """A draft made without mgeflow (another integration, a person in a console)."""
    reference = f"outside-{uuid.uuid4().hex[:8]}"
    draft = await mge.create_draft(
        DraftCreate(brand_id=BRAND, reference_id=reference, line_items=[LINE], shipping=SHIPPING)
    )
    if status in ("READY", "SUBMITTED"):
        await mge.validate_draft(draft.id)
    if status == "SUBMITTED":
        await mge.submit_draft(draft.id)
    return draft.id


async def until(check: Callable[[], Awaitable[bool]], seconds: float = 15) -> None:
    async def poll() -> None:
        while not await check():
            await asyncio.sleep(0.1)

    await asyncio.wait_for(poll(), seconds)


async def visible(client: Client, query: str, expected: int) -> None:
    """Visibility is eventually consistent: wait until it shows what the test seeded."""

    async def seen() -> bool:
        return (await client.count_workflows(query)).count == expected

    await until(seen)


def journeys(task_queue: str, extra: str = "") -> str:
    query = f"WorkflowType = 'DraftOrderWorkflow' AND TaskQueue = '{task_queue}'"
    return f"{query} AND ExecutionStatus = 'Running'{extra}"


def deleted_drafts(audit: dict[str, Any]) -> set[int]:
    return {d["id"] for d in audit["drafts"] if d["deleted"]}


def deletes(audit: dict[str, Any]) -> Counter[tuple[int, int]]:
    """(draft id, status) of every DELETE that reached the sandbox."""
    return Counter(
        (int(r["path"].rstrip("/").rsplit("/", 1)[1]), r["status"])
        for r in audit["requests"]
        if r["method"] == "DELETE"
    )


def ids(report: SweepReport, action: SweepAction) -> set[str]:
    return set(report.ids.get(action, []))


async def update_ids(handle: WorkflowHandle[Any, Any]) -> list[str]:
    history = await handle.fetch_history()
    return [
        e.workflow_execution_update_accepted_event_attributes.accepted_request.meta.update_id
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
    ]


async def test_one_sweep_ends_exactly_the_stale_journeys_and_deletes_exactly_the_orphans(
    client: Client,
    worker: Worker,
    task_queue: str,
    reference: str,
    sandbox: Any,
    mge_settings: MgeSettings,
    replay_check: Any,
) -> None:
    # Two drafts a page, so deleting moves drafts across pages while the sweep walks them.
    sandbox.patch_config(page_size=2, ready_window_seconds=1)
    async with MgeClient(mge_settings) as mge:
        stale_open = await open_cart(client, task_queue, f"{reference}-stale-open")
        stale_ready = await open_cart(client, task_queue, f"{reference}-stale-ready")
        await make_ready(stale_ready)  # its payment window closes in a second
        sandbox.patch_config(ready_window_seconds=3600)
        paying = await open_cart(client, task_queue, f"{reference}-paying")
        await make_ready(paying)  # idle as long as the stale ones, but its window is open
        terminated = await open_cart(client, task_queue, f"{reference}-terminated")
        terminated_draft = await draft_of(terminated)
        await terminated.terminate("an operator gave up on it")
        outside = [await outside_draft(mge) for _ in range(3)] + [await outside_draft(mge, "READY")]
        outside_fresh = await outside_draft(mge)
        submitted = await outside_draft(mge, "SUBMITTED")
        await asyncio.sleep(POLICY.idle_limit.total_seconds() + 0.5)
        fresh = await open_cart(client, task_queue, f"{reference}-fresh")
        fresh_old_draft = await open_cart(client, task_queue, f"{reference}-fresh-old-draft")
        owned = await draft_of(fresh_old_draft)
    orphans = {terminated_draft, *outside}
    for draft_id in (*orphans, submitted, owned):
        sandbox.backdate_draft(draft_id, created_at=long_ago(), updated_at=long_ago())
    await visible(client, journeys(task_queue), 5)
    await visible(client, journeys(task_queue, " AND MgeStage = 'READY'"), 2)
    await visible(client, draft_owners_query([owned]), 1)
    drafts_of_stale = {await draft_of(stale_open), await draft_of(stale_ready)}

    handle, report = await sweep(client, task_queue)

    assert not report.dry_run and report.errors == [] and report.finished_at
    assert ids(report, A.END_IDLE_JOURNEY) == {stale_open.id}
    assert ids(report, A.END_EXPIRED_JOURNEY) == {stale_ready.id}
    assert ids(report, A.DELETE_ORPHAN_DRAFT) == {str(d) for d in orphans}
    assert report.counts == {
        A.END_IDLE_JOURNEY: 1,
        A.END_EXPIRED_JOURNEY: 1,
        A.SKIP_ACTIVE_JOURNEY: 1,  # the READY cart whose window is still open
        A.DELETE_ORPHAN_DRAFT: len(orphans),
        A.SKIP_OWNED_DRAFT: 1,
    }
    assert report.runs > 1  # small batches: the sweep continued as new on the way

    # The stale journeys ended through their own discard (clean-up included), named by the sweep.
    for cart in (stale_open, stale_ready):
        assert (await cart.result()).stage == Stage.DISCARDED
        assert f"{handle.id}:discard" in await update_ids(cart)
    for cart in (paying, fresh, fresh_old_draft):
        assert (await cart.describe()).status == WorkflowExecutionStatus.RUNNING
    assert (await paying.query(DraftOrderWorkflow.view)).stage == Stage.READY

    audit = sandbox.audit()
    assert deleted_drafts(audit) == orphans | drafts_of_stale
    assert deletes(audit) == Counter((d, 204) for d in orphans | drafts_of_stale)
    statuses = {d["id"]: d["status"] for d in audit["drafts"]}
    assert statuses[submitted] == "SUBMITTED" and outside_fresh not in deleted_drafts(audit)
    await replay_check(handle, "sweep_ends_stale_and_deletes_orphans")


async def test_dry_run_reports_what_a_sweep_would_do_and_changes_nothing(
    client: Client,
    worker: Worker,
    task_queue: str,
    reference: str,
    sandbox: Any,
    mge_settings: MgeSettings,
    replay_check: Any,
) -> None:
    stale = await open_cart(client, task_queue, f"{reference}-stale")
    async with MgeClient(mge_settings) as mge:
        orphan = await outside_draft(mge)
        young_orphan = await outside_draft(mge)
    sandbox.backdate_draft(orphan, created_at=long_ago(), updated_at=long_ago())
    await asyncio.sleep(POLICY.idle_limit.total_seconds() + 0.5)
    fresh = await open_cart(client, task_queue, f"{reference}-fresh")
    await visible(client, journeys(task_queue), 2)
    requests_before = len(sandbox.audit()["requests"])

    handle, dry = await sweep(client, task_queue, dry_run=True)

    assert dry.dry_run and dry.errors == []
    assert ids(dry, A.END_IDLE_JOURNEY) == {stale.id}
    assert ids(dry, A.DELETE_ORPHAN_DRAFT) == {str(orphan)}
    audit = sandbox.audit()
    assert deleted_drafts(audit) == set() and not deletes(audit)
    # MGE saw reads only, and the journey saw no discard
    assert {r["method"] for r in audit["requests"][requests_before:]} == {"GET"}
    assert (await stale.query(DraftOrderWorkflow.view)).stage == Stage.OPEN
    assert len(await update_ids(stale)) == 1  # the opening edit only
    await replay_check(handle, "sweep_dry_run")

    # The real sweep then does exactly what the dry run announced.
    _, real = await sweep(client, task_queue)
    assert real.ids == dry.ids and real.counts == dry.counts
    assert deleted_drafts(sandbox.audit()) == {orphan, await draft_of(stale)}
    assert young_orphan not in deleted_drafts(sandbox.audit())
    assert (await fresh.describe()).status == WorkflowExecutionStatus.RUNNING


async def test_drafts_mge_will_not_delete_are_reported(
    client: Client, worker: Worker, task_queue: str, sandbox: Any, mge_settings: MgeSettings
) -> None:
    sandbox.patch_config(supports_delete=False)
    async with MgeClient(mge_settings) as mge:
        orphan = await outside_draft(mge, "READY")
    sandbox.backdate_draft(orphan, created_at=long_ago(), updated_at=long_ago())

    for _ in range(2):  # reported again by every sweep until someone deals with it
        _, report = await sweep(client, task_queue)
        assert report.counts == {A.REPORT_UNDELETABLE_DRAFT: 1} and report.errors == []
        assert ids(report, A.REPORT_UNDELETABLE_DRAFT) == {str(orphan)}
    audit = sandbox.audit()
    assert deleted_drafts(audit) == set() and deletes(audit) == Counter({(orphan, 405): 2})


async def test_two_sweeps_at_once_act_once(
    client: Client,
    worker: Worker,
    task_queue: str,
    reference: str,
    sandbox: Any,
    mge_settings: MgeSettings,
) -> None:
    stale = [await open_cart(client, task_queue, f"{reference}-{n}") for n in range(3)]
    async with MgeClient(mge_settings) as mge:
        orphans = {await outside_draft(mge) for _ in range(4)}
    for draft_id in orphans:
        sandbox.backdate_draft(draft_id, created_at=long_ago(), updated_at=long_ago())
    await asyncio.sleep(POLICY.idle_limit.total_seconds() + 0.5)
    await visible(client, journeys(task_queue), 3)

    handles = [await start_sweep(client, task_queue) for _ in range(2)]
    reports = await asyncio.wait_for(asyncio.gather(*(h.result() for h in handles)), 60)

    ended = [r.count(A.END_IDLE_JOURNEY) for r in reports]
    deleted = [r.count(A.DELETE_ORPHAN_DRAFT) for r in reports]
    assert sum(ended) == len(stale) and sum(deleted) == len(orphans)
    assert all(r.errors == [] for r in reports)
    for cart in stale:
        assert (await cart.result()).stage == Stage.DISCARDED
    audit = sandbox.audit()
    succeeded = {d: n for (d, status), n in deletes(audit).items() if status == 204}
    assert succeeded == {d: 1 for d in orphans | {await draft_of(c) for c in stale}}


@pytest.mark.slow
async def test_sweep_interrupted_by_a_worker_kill_completes_on_rerun(
    client: Client,
    task_queue: str,
    sandbox: Any,
    mge_settings: MgeSettings,
    tmp_path: Path,
    replay_check: Any,
) -> None:
    async with MgeClient(mge_settings) as mge:
        orphans = {await outside_draft(mge) for _ in range(4)}
        young = await outside_draft(mge)
    for draft_id in orphans:
        sandbox.backdate_draft(draft_id, created_at=long_ago(), updated_at=long_ago())
    # MGE is slow to delete: the worker dies while a DELETE is in flight.
    sandbox.set_faults([{"kind": "latency", "latency_ms": 1500, "method": "DELETE"}])
    first = WorkerProcess(client, task_queue, mge_settings, tmp_path / "worker-1.log").start()
    second = WorkerProcess(client, task_queue, mge_settings, tmp_path / "worker-2.log")
    try:
        # one run, so the recorded history holds the interrupted step
        interrupted = await start_sweep(
            client, task_queue, policy=POLICY.model_copy(update={"batches_per_run": 100})
        )

        async def delete_in_flight() -> bool:
            return any(r["method"] == "DELETE" for r in sandbox.audit()["requests"])

        await until(delete_in_flight, seconds=30)
        first.kill()
        second.start()
        report = await asyncio.wait_for(interrupted.result(), timeout=90)
        _, rerun = await sweep(client, task_queue)
    finally:
        first.kill()
        second.stop()

    # The in-flight step was retried by the next worker, which read the draft before deciding.
    assert ids(report, A.DELETE_ORPHAN_DRAFT) == {str(d) for d in orphans}
    assert report.errors == []
    assert rerun.counts == {} and rerun.errors == []
    audit = sandbox.audit()
    assert deleted_drafts(audit) == orphans and young not in deleted_drafts(audit)
    assert {d for d, _ in deletes(audit)} == orphans
    assert report.runs == 1
    await replay_check(interrupted, "sweep_after_worker_kill")
