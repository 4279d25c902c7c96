"""`mgeflow schedules ensure|pause|unpause|trigger|describe` and `mgeflow sweep`: the stale-draft
sweep from the command line. Temporal from TEMPORAL_* settings, the task queue from
MGEFLOW_TASK_QUEUE, the policy and schedule from MGEFLOW_SWEEP_*."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer

from starter.cli_output import fail, finish
from starter.errors import TemporalUnavailable

schedules_app = typer.Typer(
    no_args_is_help=True, add_completion=False, help="The stale-draft sweep's Temporal Schedule."
)
T = TypeVar("T")
Note = Annotated[str, typer.Option(help="Why; shown on the schedule in the UI.")]


def register_sweep_commands(app: typer.Typer) -> None:
    app.add_typer(schedules_app, name="schedules")
    app.command("sweep")(sweep)


def _with_temporal(action: Callable[[Any, Any, str], Awaitable[T]]) -> T:
    """Connect with Temporal's own settings and run `action(client, sweep_settings, queue)`."""
    from starter.schedules import SweepSettings
    from worker import WorkerSettings, connect_temporal

    async def run() -> T:
        client = await connect_temporal()
        return await action(client, SweepSettings(), WorkerSettings().task_queue)

    try:
        return asyncio.run(run())
    except ConnectionError as error:
        fail(f"{error} ({TemporalUnavailable.hint})")


@schedules_app.command()
def ensure() -> None:
    """Create the sweep schedule, or update it to the current settings (idempotent)."""
    from starter.schedules import SCHEDULE_ID, ensure_sweep_schedule

    outcome = _with_temporal(ensure_sweep_schedule)
    finish(f"{SCHEDULE_ID}: {outcome}")


@schedules_app.command()
def pause(note: Note = "paused from the mgeflow CLI") -> None:
    """Pause the scheduled sweeps (`ensure` keeps a pause)."""
    from starter.schedules import pause_sweep_schedule

    _with_temporal(lambda client, _settings, _queue: pause_sweep_schedule(client, note))
    finish("paused")


@schedules_app.command()
def unpause(note: Note = "unpaused from the mgeflow CLI") -> None:
    """Resume the scheduled sweeps."""
    from starter.schedules import unpause_sweep_schedule

    _with_temporal(lambda client, _settings, _queue: unpause_sweep_schedule(client, note))
    finish("unpaused")


@schedules_app.command()
def trigger() -> None:
    """Run the scheduled sweep now (skipped if one is already running)."""
    from starter.schedules import trigger_sweep_schedule

    _with_temporal(lambda client, _settings, _queue: trigger_sweep_schedule(client))
    finish("triggered")


@schedules_app.command()
def describe() -> None:
    """The schedule as JSON: paused, interval, next and recent runs."""
    from starter.schedules import describe_sweep_schedule

    description = _with_temporal(lambda client, _s, _q: describe_sweep_schedule(client))
    finish(json.dumps(description, indent=2))


DryRun = Annotated[bool, typer.Option("--dry-run", help="Report only; change nothing.")]
Wait = Annotated[bool, typer.Option("--wait/--no-wait", help="Wait and print the report as JSON.")]


def sweep(dry_run: DryRun = False, wait: Wait = True) -> None:
    """Run one stale-draft sweep now (a worker must be running)."""
    from starter.schedules import start_sweep

    async def run(client: Any, settings: Any, queue: str) -> str:
        handle = await start_sweep(client, settings, queue, dry_run=dry_run)
        if not wait:
            return json.dumps({"workflow_id": handle.id, "run_id": handle.result_run_id})
        report = await handle.result()
        return report.model_dump_json(indent=2)

    finish(_with_temporal(run))
