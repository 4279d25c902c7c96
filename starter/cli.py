"""The `mgeflow` command: run the parts of mgeflow and drive journeys."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from starter.cli_sweep import ensure_schedule_for_up, register_sweep_commands
from starter.logs import configure_logging

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
register_sweep_commands(app)

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
def up(log_level: LogLevel = "INFO", json_logs: JsonLogs = False) -> None:
    """Start the local stack (for now: the sandbox on http://127.0.0.1:8700); ensure the sweep
    schedule if Temporal is up."""
    configure_logging(log_level, json=json_logs)
    ensure_schedule_for_up()
    sandbox(log_level=log_level, json_logs=json_logs)


from starter.cli_ops import register_ops_commands  # noqa: E402  (deploy/ one-shots, probe)

register_ops_commands(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
