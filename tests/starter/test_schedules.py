"""The sweep's Temporal Schedule on a real dev server: `ensure` is idempotent and keeps an
operator's pause, and the `mgeflow` CLI (a real subprocess) ensures, triggers and sweeps."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from temporalio.client import Client, ScheduleActionStartWorkflow
from temporalio.service import RPCError
from temporalio.worker import Worker

from mge import MgeClient, MgeSettings
from mge.models import DraftCreate
from starter.schedules import (
    SCHEDULE_ID,
    SweepSettings,
    describe_sweep_schedule,
    ensure_sweep_schedule,
    pause_sweep_schedule,
)
from workflows.stale_draft_sweep import StaleDraftSweepWorkflow
from workflows.sweep_messages import SweepAction, SweepInput, SweepReport


@pytest.fixture
async def no_schedule(client: Client) -> AsyncIterator[None]:
    """The schedule id is fixed and the dev server is shared: leave none behind."""

    async def delete() -> None:
        with contextlib.suppress(RPCError):
            await client.get_schedule_handle(SCHEDULE_ID).delete()

    await delete()
    yield
    await delete()


async def listed_schedules(client: Client) -> list[str]:
    return [schedule.id async for schedule in await client.list_schedules()]


async def test_ensure_twice_leaves_one_schedule_and_keeps_a_pause(
    client: Client, task_queue: str, no_schedule: None
) -> None:
    assert await ensure_sweep_schedule(client, SweepSettings(), task_queue) == "created"
    await pause_sweep_schedule(client, "MGE maintenance tonight")
    changed = SweepSettings(interval=timedelta(hours=2), idle_limit=timedelta(days=3))
    assert await ensure_sweep_schedule(client, changed, task_queue) == "updated"

    described = await describe_sweep_schedule(client)
    assert described["interval_seconds"] == [7200.0]
    assert described["paused"] and described["note"] == "MGE maintenance tonight"
    assert described["overlap"] == "SKIP" and described["catchup_window_seconds"] == 3600
    assert described["task_queue"] == task_queue
    # scheduled runs get the new policy
    action = (await client.get_schedule_handle(SCHEDULE_ID).describe()).schedule.action
    assert isinstance(action, ScheduleActionStartWorkflow)
    (sweep_input,) = await client.data_converter.decode(action.args, [SweepInput])
    assert sweep_input.policy.idle_limit == timedelta(days=3)

    for _ in range(100):  # the list comes from visibility, which lags
        if SCHEDULE_ID in await listed_schedules(client):
            break
        await asyncio.sleep(0.1)
    assert (await listed_schedules(client)).count(SCHEDULE_ID) == 1


async def test_cli_ensures_triggers_and_sweeps(
    client: Client,
    worker: Worker,
    task_queue: str,
    sandbox: Any,
    mge_settings: MgeSettings,
    no_schedule: None,
) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MGEFLOW_SWEEP_")},
        "TEMPORAL_ADDRESS": client.service_client.config.target_host,
        "TEMPORAL_NAMESPACE": client.namespace,
        "MGEFLOW_TASK_QUEUE": task_queue,
    }

    async def mgeflow(*args: str) -> str:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "starter.cli",
            *args,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), 60)
        assert process.returncode == 0, err.decode()
        return out.decode()

    async with MgeClient(mge_settings) as mge:
        orphan = (await mge.create_draft(DraftCreate(brand_id=116))).id
    month_ago = (datetime.now(UTC) - timedelta(days=30)).isoformat()
    sandbox.backdate_draft(orphan, created_at=month_ago, updated_at=month_ago)

    assert (await mgeflow("schedules", "ensure")).strip() == f"{SCHEDULE_ID}: created"
    assert (await mgeflow("schedules", "ensure")).strip() == f"{SCHEDULE_ID}: updated"

    dry = SweepReport.model_validate_json(await mgeflow("sweep", "--dry-run"))
    assert dry.dry_run and dry.ids == {SweepAction.DELETE_ORPHAN_DRAFT: [str(orphan)]}
    assert not any(d["deleted"] for d in sandbox.audit()["drafts"])

    await mgeflow("schedules", "trigger")
    for _ in range(100):
        recent = (await describe_sweep_schedule(client))["recent_runs"]
        if recent:
            break
        await asyncio.sleep(0.1)
    run = client.get_workflow_handle_for(StaleDraftSweepWorkflow.run, recent[0]["workflow_id"])
    report = await asyncio.wait_for(run.result(), 60)
    assert not report.dry_run and report.ids == {SweepAction.DELETE_ORPHAN_DRAFT: [str(orphan)]}
    assert [d["id"] for d in sandbox.audit()["drafts"] if d["deleted"]] == [orphan]

    await mgeflow("schedules", "pause", "--note", "investigating")
    described = json.loads(await mgeflow("schedules", "describe"))
    assert described["paused"] and described["note"] == "investigating"
    assert described["recent_runs"][0]["workflow_id"] == run.id
    assert described["task_queue"] == task_queue
