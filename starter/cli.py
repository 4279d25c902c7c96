"""The `mgeflow` command: run the parts of mgeflow and drive journeys."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from starter.cli_journeys import register_journey_commands
from starter.cli_sweep import register_sweep_commands
from starter.logs import configure_logging

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
register_sweep_commands(app)
register_journey_commands(app)

LogLevel = Annotated[str, typer.Option("--log-level", envvar="MGEFLOW_LOG_LEVEL")]
JsonLogs = Annotated[bool, typer.Option("--json-logs", envvar="MGEFLOW_JSON_LOGS")]


@app.command()
def sandbox(
    host: Annotated[str, typer.Option(envvar="MGE_SANDBOX_HOST")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="MGE_SANDBOX_PORT")] = 8700,
    db: Annotated[Path, typer.Option(envvar="MGE_SANDBOX_DB_PATH")] = Path(
        ".mgeflow/sandbox.sqlite3"
    ),
    log_level: LogLevel = "INFO",
    json_logs: JsonLogs = False,
) -> None:
    """Run the MGE sandbox (an emulator of MGE's API) on loopback; OpenAPI page at /docs."""
    from sandbox.config import SandboxConfig
    from sandbox.server import serve

    configure_logging(log_level, json=json_logs)
    db.parent.mkdir(parents=True, exist_ok=True)
    serve(SandboxConfig(host=host, port=port, db_path=str(db)))


@app.command()
def worker(log_level: LogLevel = "INFO", json_logs: JsonLogs = False) -> None:
    """Run an mgeflow worker: Temporal from TEMPORAL_* settings, MGE from MGE_* settings."""
    import asyncio

    from mge.settings import MgeSettings
    from worker import WorkerSettings, run_worker

    configure_logging(log_level, json=json_logs)
    asyncio.run(run_worker(WorkerSettings(), MgeSettings()))


@app.command()
def check() -> None:
    """Can this machine reach Temporal and MGE with the current settings? One line each."""
    import asyncio

    from starter.cli_output import finish
    from starter.preflight import check_mge, check_temporal

    async def both() -> list[tuple[bool, str]]:
        return [await check_temporal(), await check_mge()]

    results = asyncio.run(both())
    for ok, line in results:
        typer.echo(line if ok else f"error: {line}", err=not ok)
    finish(code=0 if all(ok for ok, _ in results) else 1)


@app.command()
def up(
    demo: Annotated[
        bool, typer.Option(help="Run one journey of each kind once the stack is up.")
    ] = False,
    data_dir: Annotated[
        Path, typer.Option(help="Where Temporal and the sandbox keep state.")
    ] = Path(".mgeflow"),
    temporal_port: int = 7233,
    ui_port: int = 8233,
    sandbox_port: int = 8700,
    mge_base_url: Annotated[
        str | None, typer.Option(envvar="MGE_BASE_URL", help="A real MGE instead of the sandbox.")
    ] = None,
    log_level: LogLevel = "INFO",
    json_logs: JsonLogs = False,
) -> None:
    """The whole local stack: Temporal dev server (Web UI), MGE sandbox, worker, sweep schedule.
    Ctrl-C stops it; the next `mgeflow up` resumes every journey in flight."""
    import asyncio

    from starter.cli_output import fail, finish
    from starter.stack import LocalStack, StackConfig, StackError, run_stack
    from worker import WorkerSettings

    configure_logging(log_level, json=json_logs)
    config = StackConfig(
        task_queue=WorkerSettings().task_queue,  # the queue every other command uses too
        data_dir=data_dir,
        temporal_port=temporal_port,
        ui_port=ui_port,
        sandbox_port=sandbox_port,
        mge_base_url=mge_base_url,
    )
    try:
        asyncio.run(run_stack(LocalStack(config), demo=demo, say=typer.echo))
    except StackError as error:
        fail(str(error))
    finish()


from starter.cli_ops import register_ops_commands  # noqa: E402  (deploy/ one-shots, probe)

register_ops_commands(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
