"""`mgeflow search-attributes ensure` and `mgeflow healthcheck`: the one-shot setup job and the
container health check. Temporal from TEMPORAL_* settings, the worker's probe port from
MGEFLOW_HEALTH_PORT."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

search_attributes_app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="The search attributes every journey sets (registered once per namespace).",
)


def register_ops_commands(app: typer.Typer) -> None:
    app.add_typer(search_attributes_app, name="search-attributes")
    app.command("healthcheck")(healthcheck)


@search_attributes_app.command()
def ensure(
    timeout: Annotated[float, typer.Option(help="Give up after this many seconds.")] = 60.0,
) -> None:
    """Register mgeflow's search attributes on the namespace (idempotent). Self-hosted clusters
    only: on Temporal Cloud add them with tcld or the Cloud UI."""
    from starter.ops import ensure_search_attributes
    from worker import connect_temporal

    async def run() -> str:
        client = await connect_temporal()
        outcome = await ensure_search_attributes(client)
        return (
            f"namespace {client.namespace}: added {', '.join(outcome.added) or 'none'}; "
            f"already present {', '.join(outcome.present) or 'none'}"
        )

    typer.echo(asyncio.run(asyncio.wait_for(run(), timeout)))


Url = Annotated[
    str | None,
    typer.Option(help="URL to GET; default: this host's worker readiness probe."),
]
HealthPort = Annotated[int, typer.Option(envvar="MGEFLOW_HEALTH_PORT")]


def healthcheck(url: Url = None, port: HealthPort = 8080, timeout: float = 3.0) -> None:
    """Exit 0 if the URL answers 200, 1 otherwise: a container HEALTHCHECK without curl."""
    import httpx

    target = url or f"http://127.0.0.1:{port}/readyz"
    try:
        status = httpx.get(target, timeout=timeout).status_code
    except httpx.HTTPError as error:
        typer.echo(f"{target}: {type(error).__name__}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{target}: {status}")
    if status != 200:
        raise typer.Exit(1)
