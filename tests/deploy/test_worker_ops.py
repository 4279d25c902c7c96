"""The worker as the image runs it: `mgeflow worker` with its probes and Prometheus endpoint,
against the session's Temporal dev server and sandbox; the probe server and the search-attribute
setup in-process."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from google.protobuf.duration_pb2 import Duration
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.api.workflowservice.v1 import RegisterNamespaceRequest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCError
from temporalio.worker import Worker

from activities.mge_activities import MgeActivities
from mge import ImageOpener, MgeClient, MgeSettings
from starter.ops import (
    HealthServer,
    SearchAttributeConflict,
    WorkerHealth,
    ensure_search_attributes,
)
from tests.support.sandbox import SandboxProcess, free_port
from worker import WorkerSettings, build_worker
from workflows import search_attributes as sa

T = TypeVar("T")


def get(url: str) -> int | None:
    try:
        return httpx.get(url, timeout=2).status_code
    except httpx.TransportError:
        return None


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
def test_worker_process_probes_metrics_and_drain(
    client: Client, sandbox: SandboxProcess, task_queue: str, tmp_path: Path
) -> None:
    health_port, metrics_port = free_port(), free_port()
    key_file = tmp_path / "mge_api_key"
    key_file.write_text(sandbox.api_key + "\n")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MGE_", "MGEFLOW_", "TEMPORAL_"))
    }
    env |= {
        "TEMPORAL_ADDRESS": client.service_client.config.target_host,
        "TEMPORAL_NAMESPACE": client.namespace,
        "MGE_BASE_URL": sandbox.api_url,
        "MGE_API_KEY_FILE": str(key_file),
        "MGEFLOW_TASK_QUEUE": task_queue,
        "MGEFLOW_GRACEFUL_SHUTDOWN_SECONDS": "5",
        "MGEFLOW_HEALTH_PORT": str(health_port),
        "MGEFLOW_METRICS_ADDRESS": f"127.0.0.1:{metrics_port}",
        "MGEFLOW_TUNER": "resource-based",
        "MGEFLOW_POLLERS": "autoscaling",
        "MGEFLOW_JSON_LOGS": "true",
    }
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "starter.cli", "worker"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    probe = f"http://127.0.0.1:{health_port}"
    try:
        wait_for(lambda: get(f"{probe}/readyz") == 200 or process.poll() is not None, 30, "ready")
        assert process.poll() is None, log_path.read_text()
        assert get(f"{probe}/livez") == 200
        assert get(f"{probe}/healthz") == 200
        healthcheck = subprocess.run(
            [sys.executable, "-m", "starter.cli", "healthcheck"],
            env={**env, "MGEFLOW_HEALTH_PORT": str(health_port)},
            capture_output=True,
        )
        assert healthcheck.returncode == 0

        metrics = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).text
        names = {line.split("{")[0].split(" ")[0] for line in metrics.splitlines()}
        assert "temporal_num_pollers" in names, sorted(names)
        assert f'task_queue="{task_queue}"' in metrics

        process.send_signal(signal.SIGTERM)
        wait_for(lambda: get(f"{probe}/readyz") != 200, 10, "not ready after SIGTERM")
        assert process.wait(timeout=30) == 0
        assert get(f"{probe}/livez") is None
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert sandbox.api_key not in log_path.read_text()


@pytest.fixture
async def running_worker(
    client: Client, task_queue: str, mge_settings: MgeSettings
) -> AsyncIterator[Worker]:
    images = ImageOpener(max_bytes=mge_settings.max_image_bytes)
    async with MgeClient(mge_settings) as mge:
        settings = WorkerSettings(task_queue=task_queue, graceful_shutdown_seconds=1)
        async with build_worker(client, settings, MgeActivities(mge, images).all()) as running:
            yield running
    await images.aclose()


async def test_probe_answers(client: Client, running_worker: Worker) -> None:
    health = WorkerHealth(client, running_worker)
    async with HealthServer(health, "127.0.0.1", 0) as server, httpx.AsyncClient() as http:
        base = f"http://127.0.0.1:{server.port}"
        assert (await http.get(f"{base}/readyz")).status_code == 200
        assert (await http.get(f"{base}/livez")).status_code == 200
        assert (await http.get(f"{base}/metrics")).status_code == 404
        assert (await http.post(f"{base}/readyz")).status_code == 405
        health.draining = True
        draining = await http.get(f"{base}/readyz")
        assert (draining.status_code, draining.text) == (503, "draining\n")
        assert (await http.get(f"{base}/livez")).status_code == 200


async def test_not_ready_when_temporal_is_unreachable(running_worker: Worker) -> None:
    unreachable = await Client.connect(f"127.0.0.1:{free_port()}", lazy=True)
    assert not await WorkerHealth(unreachable, running_worker).ready()


async def fresh_namespace(client: Client) -> Client:
    name = f"deploy-{uuid.uuid4().hex[:8]}"
    await client.workflow_service.register_namespace(
        RegisterNamespaceRequest(
            namespace=name, workflow_execution_retention_period=Duration(seconds=86400)
        )
    )
    return await Client.connect(
        client.service_client.config.target_host,
        namespace=name,
        data_converter=pydantic_data_converter,
    )


async def until_namespace_known(action: Callable[[], Awaitable[T]]) -> T:
    """A new namespace reaches the server's caches within seconds; retry until it has."""
    for _ in range(100):
        try:
            return await action()
        except RPCError as error:
            if "not found" not in str(error).lower():
                raise
        await asyncio.sleep(0.1)
    raise AssertionError("namespace never became known")


async def test_search_attributes_are_added_once(client: Client) -> None:
    namespaced = await fresh_namespace(client)
    first = await until_namespace_known(lambda: ensure_search_attributes(namespaced))
    again = await ensure_search_attributes(namespaced)
    names = sorted(key.name for key in sa.ALL)
    assert (first.added, first.present) == (names, [])
    assert (again.added, again.present) == ([], names)


async def test_a_search_attribute_of_another_type_is_reported(client: Client) -> None:
    namespaced = await fresh_namespace(client)
    request = AddSearchAttributesRequest(
        namespace=namespaced.namespace,
        search_attributes={sa.STAGE.name: IndexedValueType.INDEXED_VALUE_TYPE_INT},
    )
    await until_namespace_known(lambda: namespaced.operator_service.add_search_attributes(request))
    with pytest.raises(SearchAttributeConflict, match="MgeStage is INDEXED_VALUE_TYPE_INT"):
        await ensure_search_attributes(namespaced)
