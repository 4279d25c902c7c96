"""The mgeflow worker: connects to Temporal, registers every journey and activity, and runs until
SIGTERM/SIGINT, giving in-flight activities a grace period to finish."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any, Literal

import structlog
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.envconfig import ClientConfig
from temporalio.runtime import Runtime
from temporalio.worker import (
    PollerBehavior,
    PollerBehaviorAutoscaling,
    PollerBehaviorSimpleMaximum,
    ResourceBasedSlotConfig,
    Worker,
    WorkerTuner,
)

from activities.mge_activities import MgeActivities
from activities.sweep_activities import SweepActivities
from mge.client import MgeClient
from mge.images import ImageOpener
from mge.settings import MgeSettings
from starter.ops import HealthServer, WorkerHealth, prometheus_runtime
from workflows.direct_order import DirectOrderWorkflow
from workflows.draft_order import DraftOrderWorkflow
from workflows.ids import DEFAULT_TASK_QUEUE
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

    task_queue: str = Field(default=DEFAULT_TASK_QUEUE, min_length=1)
    graceful_shutdown_seconds: float = Field(default=30.0, ge=0)
    max_concurrent_activities: int = Field(default=100, ge=1)
    max_concurrent_workflow_tasks: int = Field(default=100, ge=2)
    max_cached_workflows: int = Field(default=1000, ge=0)
    # Scaling knobs; deploy/README.md says how to size them and which metrics to watch.
    # "resource-based" hands out task slots while the container stays under the targets below
    # (cgroup limits are read), with the max_concurrent_* values as upper bounds.
    tuner: Literal["fixed", "resource-based"] = "fixed"
    target_memory_usage: float = Field(default=0.8, gt=0, le=1)
    target_cpu_usage: float = Field(default=0.9, gt=0, le=1)
    # Long polls held open per task queue; "autoscaling" lets the SDK vary them up to the max.
    pollers: Literal["fixed", "autoscaling"] = "fixed"
    max_workflow_task_pollers: int = Field(default=5, ge=2)
    max_activity_task_pollers: int = Field(default=5, ge=1)
    # Probes (`/livez`, `/readyz`) and Prometheus metrics (`host:port`); both off unless set.
    health_host: str = "127.0.0.1"
    health_port: int | None = Field(default=None, ge=0, le=65535)
    metrics_address: str | None = None


async def connect_temporal(
    env: Mapping[str, str] | None = None, runtime: Runtime | None = None
) -> Client:
    """A Temporal client from Temporal's environment configuration (profile file and `TEMPORAL_*`
    variables), with the pydantic data converter every mgeflow payload needs. `runtime` carries
    telemetry (e.g. Prometheus metrics); the SDK's default runtime otherwise."""
    config = ClientConfig.load_client_connect_config(override_env_vars=env)
    config.setdefault("target_host", DEFAULT_TEMPORAL_ADDRESS)
    try:
        return await Client.connect(
            **config, data_converter=pydantic_data_converter, runtime=runtime
        )
    except RuntimeError as exc:  # how the SDK's core reports an unreachable server
        where = f"{config['target_host']} (namespace {config.get('namespace', 'default')})"
        raise ConnectionError(f"cannot reach Temporal at {where}") from exc


def all_activities(client: Client, mge: MgeClient, images: ImageOpener) -> list[Callable[..., Any]]:
    """Every activity the journeys call, bound to their clients."""
    return [*MgeActivities(mge, images).all(), *SweepActivities(client, mge).all()]


def build_worker(
    client: Client, settings: WorkerSettings, activities: Sequence[Callable[..., Any]]
) -> Worker:
    # The SDK takes either a tuner or fixed limits, never both.
    slots: dict[str, Any] = (
        {"tuner": _resource_based_tuner(settings)}
        if settings.tuner == "resource-based"
        else {
            "max_concurrent_activities": settings.max_concurrent_activities,
            "max_concurrent_workflow_tasks": settings.max_concurrent_workflow_tasks,
        }
    )
    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=WORKFLOWS,
        activities=activities,
        graceful_shutdown_timeout=timedelta(seconds=settings.graceful_shutdown_seconds),
        max_cached_workflows=settings.max_cached_workflows,
        workflow_task_poller_behavior=_pollers(settings, settings.max_workflow_task_pollers),
        activity_task_poller_behavior=_pollers(settings, settings.max_activity_task_pollers),
        **slots,
    )


def _pollers(settings: WorkerSettings, maximum: int) -> PollerBehavior:
    if settings.pollers == "autoscaling":
        return PollerBehaviorAutoscaling(minimum=1, maximum=maximum, initial=min(5, maximum))
    return PollerBehaviorSimpleMaximum(maximum=maximum)


def _resource_based_tuner(settings: WorkerSettings) -> WorkerTuner:
    return WorkerTuner.create_resource_based(
        target_memory_usage=settings.target_memory_usage,
        target_cpu_usage=settings.target_cpu_usage,
        workflow_config=ResourceBasedSlotConfig(
            maximum_slots=settings.max_concurrent_workflow_tasks
        ),
        activity_config=ResourceBasedSlotConfig(maximum_slots=settings.max_concurrent_activities),
    )


async def run_worker(settings: WorkerSettings, mge_settings: MgeSettings) -> None:
    """Run until SIGTERM or SIGINT; then stop polling and let running activities finish."""
    metrics = prometheus_runtime(settings.metrics_address) if settings.metrics_address else None
    client = await connect_temporal(runtime=metrics)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    images = ImageOpener.from_settings(mge_settings)
    async with MgeClient(mge_settings) as mge:
        worker = build_worker(client, settings, all_activities(client, mge, images))
        health = WorkerHealth(client, worker)
        # Probes start first and stop last, so a draining worker still answers "not ready".
        probes = (
            HealthServer(health, settings.health_host, settings.health_port)
            if settings.health_port is not None
            else contextlib.nullcontext()
        )
        async with probes, worker:
            log.info(
                "worker.started",
                task_queue=settings.task_queue,
                namespace=client.namespace,
                mge=str(mge_settings.base_url),
            )
            await stop.wait()
            health.draining = True
            log.info("worker.stopping", grace_seconds=settings.graceful_shutdown_seconds)
    await images.aclose()
    log.info("worker.stopped")
