"""The mgeflow worker: connects to Temporal, registers every journey and activity, and runs until
SIGTERM/SIGINT, giving in-flight activities a grace period to finish."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any

import structlog
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.envconfig import ClientConfig
from temporalio.worker import Worker

from activities.mge_activities import MgeActivities
from activities.sweep_activities import SweepActivities
from mge.client import MgeClient
from mge.images import ImageOpener
from mge.settings import MgeSettings
from workflows.direct_order import DirectOrderWorkflow
from workflows.draft_order import DraftOrderWorkflow
from workflows.preview_selection import PreviewSelectionWorkflow
from workflows.stale_draft_sweep import StaleDraftSweepWorkflow

log = structlog.get_logger("mgeflow.worker")

WORKFLOWS: list[type] = [
    DraftOrderWorkflow,
    PreviewSelectionWorkflow,
    DirectOrderWorkflow,
    StaleDraftSweepWorkflow,
]
DEFAULT_TEMPORAL_ADDRESS = "localhost:7233"


class WorkerSettings(BaseSettings):
    """Worker tuning (env prefix `MGEFLOW_`). Temporal's own address, namespace, TLS and API key
    come from Temporal's conventions: `TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `TEMPORAL_PROFILE`,
    `TEMPORAL_CONFIG_FILE` (see `connect_temporal`)."""

    model_config = SettingsConfigDict(env_prefix="MGEFLOW_", extra="ignore")

    task_queue: str = Field(default="mgeflow", min_length=1)
    graceful_shutdown_seconds: float = Field(default=30.0, ge=0)
    max_concurrent_activities: int = Field(default=100, ge=1)
    max_concurrent_workflow_tasks: int = Field(default=100, ge=2)
    max_cached_workflows: int = Field(default=1000, ge=0)


async def connect_temporal(env: Mapping[str, str] | None = None) -> Client:
    """A Temporal client from Temporal's environment configuration (profile file and `TEMPORAL_*`
    variables), with the pydantic data converter every mgeflow payload needs."""
    config = ClientConfig.load_client_connect_config(override_env_vars=env)
    config.setdefault("target_host", DEFAULT_TEMPORAL_ADDRESS)
    return await Client.connect(**config, data_converter=pydantic_data_converter)


def build_worker(
    client: Client, settings: WorkerSettings, activities: Sequence[Callable[..., Any]]
) -> Worker:
    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=WORKFLOWS,
        activities=activities,
        graceful_shutdown_timeout=timedelta(seconds=settings.graceful_shutdown_seconds),
        max_concurrent_activities=settings.max_concurrent_activities,
        max_concurrent_workflow_tasks=settings.max_concurrent_workflow_tasks,
        max_cached_workflows=settings.max_cached_workflows,
    )


async def run_worker(settings: WorkerSettings, mge_settings: MgeSettings) -> None:
    """Run until SIGTERM or SIGINT; then stop polling and let running activities finish."""
    client = await connect_temporal()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    images = ImageOpener(
        max_bytes=mge_settings.max_image_bytes,
        min_side=mge_settings.min_image_side,
        fetch_timeout=mge_settings.image_fetch_timeout,
    )
    async with MgeClient(mge_settings) as mge:
        activities = [*MgeActivities(mge, images).all(), *SweepActivities(client, mge).all()]
        worker = build_worker(client, settings, activities)
        async with worker:
            log.info(
                "worker.started",
                task_queue=settings.task_queue,
                namespace=client.namespace,
                mge=str(mge_settings.base_url),
            )
            await stop.wait()
            log.info("worker.stopping", grace_seconds=settings.graceful_shutdown_seconds)
    await images.aclose()
    log.info("worker.stopped")
