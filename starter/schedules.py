"""The stale-draft sweep's Temporal Schedule and its settings: ensure (create or update), pause,
unpause, trigger, describe, and run one sweep now."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionExecutionStartWorkflow,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleState,
    ScheduleUpdate,
    ScheduleUpdateInput,
    WorkflowHandle,
)

from workflows.stale_draft_sweep import StaleDraftSweepWorkflow
from workflows.sweep_messages import SweepInput, SweepPolicy, SweepReport

SCHEDULE_ID = "mgeflow-stale-draft-sweep"
SweepHandle = WorkflowHandle[StaleDraftSweepWorkflow, SweepReport]


class SweepSettings(BaseSettings):
    """The sweep's schedule and policy (env prefix `MGEFLOW_SWEEP_`). Durations are ISO 8601
    (`P7D`, `PT1H`) or seconds (`3600`)."""

    model_config = SettingsConfigDict(env_prefix="MGEFLOW_SWEEP_", extra="ignore")

    interval: timedelta = Field(default=timedelta(hours=1), ge=timedelta(seconds=1))
    # Temporal refuses catch-up windows under 10 s. After an outage, runs missed longer ago than
    # this are dropped; with overlap "skip" at most one of the rest runs.
    catchup_window: timedelta = Field(default=timedelta(hours=1), ge=timedelta(seconds=10))
    idle_limit: timedelta = Field(default=timedelta(days=7), gt=timedelta(0))
    ready_grace: timedelta = Field(default=timedelta(hours=1), ge=timedelta(0))
    draft_age_limit: timedelta = Field(default=timedelta(days=7), gt=timedelta(0))
    batch_size: int = Field(default=100, ge=1, le=500)
    batches_per_run: int = Field(default=20, ge=1)
    #: Scheduled sweeps only report; useful when first turning the sweep on.
    dry_run: bool = False

    def policy(self) -> SweepPolicy:
        return SweepPolicy(
            idle_limit=self.idle_limit,
            ready_grace=self.ready_grace,
            draft_age_limit=self.draft_age_limit,
            batch_size=self.batch_size,
            batches_per_run=self.batches_per_run,
        )


def sweep_schedule(settings: SweepSettings, task_queue: str) -> Schedule:
    summary = "Scheduled stale-draft sweep" + (" (dry run)" if settings.dry_run else "")
    return Schedule(
        action=ScheduleActionStartWorkflow(
            StaleDraftSweepWorkflow.run,
            SweepInput(policy=settings.policy(), dry_run=settings.dry_run),
            # Temporal appends the scheduled time to each run's id.
            id=SCHEDULE_ID,
            task_queue=task_queue,
            static_summary=summary,
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=settings.interval)]),
        policy=SchedulePolicy(
            overlap=ScheduleOverlapPolicy.SKIP, catchup_window=settings.catchup_window
        ),
        state=ScheduleState(note="created by mgeflow schedules ensure"),
    )


async def ensure_sweep_schedule(
    client: Client, settings: SweepSettings, task_queue: str
) -> Literal["created", "updated"]:
    """Create the schedule, or bring an existing one to these settings. Idempotent; an
    operator's pause (and its note) survives."""
    schedule = sweep_schedule(settings, task_queue)
    try:
        await client.create_schedule(SCHEDULE_ID, schedule)
        return "created"
    except ScheduleAlreadyRunningError:
        pass

    def keep_state(current: ScheduleUpdateInput) -> ScheduleUpdate:
        state = current.description.schedule.state
        return ScheduleUpdate(schedule=dataclasses.replace(schedule, state=state))

    await client.get_schedule_handle(SCHEDULE_ID).update(keep_state)
    return "updated"


async def pause_sweep_schedule(client: Client, note: str) -> None:
    await client.get_schedule_handle(SCHEDULE_ID).pause(note=note)


async def unpause_sweep_schedule(client: Client, note: str) -> None:
    await client.get_schedule_handle(SCHEDULE_ID).unpause(note=note)


async def trigger_sweep_schedule(client: Client) -> None:
    """Run the scheduled sweep now (skipped, like any run, while another is in progress)."""
    await client.get_schedule_handle(SCHEDULE_ID).trigger()


async def describe_sweep_schedule(client: Client) -> dict[str, Any]:
    """What an operator wants to see, as plain JSON-able data."""
    description = await client.get_schedule_handle(SCHEDULE_ID).describe()
    schedule, info = description.schedule, description.info
    action = schedule.action
    assert isinstance(action, ScheduleActionStartWorkflow)
    intervals = [spec.every.total_seconds() for spec in schedule.spec.intervals]
    catchup = schedule.policy.catchup_window
    return {
        "id": description.id,
        "paused": schedule.state.paused,
        "note": schedule.state.note,
        "interval_seconds": intervals,
        "overlap": schedule.policy.overlap.name,
        "catchup_window_seconds": catchup.total_seconds() if catchup else None,
        "task_queue": action.task_queue,
        "next_runs": [t.isoformat() for t in info.next_action_times],
        "recent_runs": [
            {"workflow_id": r.action.workflow_id, "started_at": r.started_at.isoformat()}
            for r in info.recent_actions
            if isinstance(r.action, ScheduleActionExecutionStartWorkflow)
        ],
        "running": [
            r.workflow_id
            for r in info.running_actions
            if isinstance(r, ScheduleActionExecutionStartWorkflow)
        ],
    }


async def start_sweep(
    client: Client, settings: SweepSettings, task_queue: str, *, dry_run: bool
) -> SweepHandle:
    """One sweep now, beside the schedule (its own id, so it never blocks a scheduled run)."""
    started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return await client.start_workflow(
        StaleDraftSweepWorkflow.run,
        SweepInput(policy=settings.policy(), dry_run=dry_run),
        id=f"{SCHEDULE_ID}-manual-{started}",
        task_queue=task_queue,
        static_summary="Manual stale-draft sweep" + (" (dry run)" if dry_run else ""),
    )
