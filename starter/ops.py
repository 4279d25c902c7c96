"""Running workers in production: health probes, Prometheus metrics, and the search attributes a
namespace needs before any journey starts.

Health means what an orchestrator should act on:
- `/livez` — the worker's poll loops run and this process's event loop answers. A stuck event
  loop cannot answer at all, which is the point: liveness must not depend on Temporal being
  reachable, or an outage of the cluster would restart every worker at once.
- `/readyz` (and `/healthz`, for `docker` HEALTHCHECK) — live, not draining, and Temporal's
  frontend answers its gRPC health check: the worker is connected and polling.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

import structlog
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.worker import Worker

from workflows import search_attributes as sa

log = structlog.get_logger("mgeflow.ops")

# A probe that waits longer than the kubelet's timeout (1 s by default) counts as failed anyway.
TEMPORAL_CHECK_TIMEOUT = timedelta(seconds=2)
_MAX_REQUEST_HEAD_BYTES = 8192


def prometheus_runtime(bind_address: str) -> Runtime:
    """A Temporal runtime whose SDK metrics (`temporal_*`) are served for Prometheus at
    `http://{bind_address}/metrics`. One per process: the port is bound when it is created."""
    return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=bind_address)))


class WorkerHealth:
    """The answers behind the probes for one running worker."""

    def __init__(self, client: Client, worker: Worker) -> None:
        self._client = client
        self._worker = worker
        self.draining = False

    def live(self) -> bool:
        return self._worker.is_running

    async def ready(self) -> bool:
        if self.draining or not self.live():
            return False
        try:
            return await self._client.service_client.check_health(timeout=TEMPORAL_CHECK_TIMEOUT)
        except Exception:  # unreachable, TLS or auth trouble: all mean "not ready", logged by SDK
            return False


class HealthServer:
    """A minimal HTTP/1.1 server for the probes, on the worker's own event loop (so a blocked loop
    fails liveness). Not a web framework: three GET paths, no bodies, close after each answer."""

    def __init__(self, health: WorkerHealth, host: str, port: int) -> None:
        self._health = health
        self._host = host
        self._port = port
        self._server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        """The bound port (useful when started on port 0)."""
        if self._server is None or not self._server.sockets:
            return self._port
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._answer, self._host, self._port)
        log.info("health.listening", host=self._host, port=self.port)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def __aenter__(self) -> HealthServer:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=5)
            method, path = _request_line(head)
            status, body = await self._route(method, path)
            writer.write(
                f"HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                + body
            )
            await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError):
            pass  # a scanner or a probe that gave up: nothing to answer
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def _route(self, method: str, path: str) -> tuple[str, bytes]:
        if method not in ("GET", "HEAD"):
            return "405 Method Not Allowed", b"GET only\n"
        if path == "/livez":
            return ("200 OK", b"live\n") if self._health.live() else _unavailable("stopped")
        if path in ("/readyz", "/healthz"):
            if await self._health.ready():
                return "200 OK", b"ready\n"
            return _unavailable("draining" if self._health.draining else "not connected")
        return "404 Not Found", b"try /livez or /readyz\n"


def _unavailable(reason: str) -> tuple[str, bytes]:
    return "503 Service Unavailable", f"{reason}\n".encode()


def _request_line(head: bytes) -> tuple[str, str]:
    if len(head) > _MAX_REQUEST_HEAD_BYTES:
        return "", ""
    parts = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ")
    if len(parts) != 3:
        return "", ""
    return parts[0], parts[1].split("?", 1)[0]


# --- search attributes ---------------------------------------------------------------------------


class SearchAttributeConflict(RuntimeError):
    """A search attribute exists with another type; Temporal cannot change a type in place."""


@dataclass(frozen=True)
class SearchAttributesOutcome:
    added: list[str]
    present: list[str]


async def ensure_search_attributes(client: Client) -> SearchAttributesOutcome:
    """Register every mgeflow search attribute on the client's namespace; those already there
    with the right type are left alone, so running it on every deploy is safe."""
    wanted: Mapping[str, IndexedValueType.ValueType] = {
        key.name: IndexedValueType.ValueType(int(key.indexed_value_type)) for key in sa.ALL
    }
    listed = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=client.namespace)
    )
    existing = {**listed.system_attributes, **listed.custom_attributes}
    conflicts = [
        f"{name} is {IndexedValueType.Name(existing[name])}, mgeflow needs "
        f"{IndexedValueType.Name(kind)}"
        for name, kind in wanted.items()
        if name in existing and existing[name] != kind
    ]
    if conflicts:
        raise SearchAttributeConflict("; ".join(conflicts))
    missing = {name: kind for name, kind in wanted.items() if name not in existing}
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=client.namespace, search_attributes=missing)
        )
    return SearchAttributesOutcome(
        added=sorted(missing), present=sorted(set(wanted) - set(missing))
    )
