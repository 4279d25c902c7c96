"""`mgeflow up` in a subprocess: the stack comes up, a journey runs through it, the stack stops
with Ctrl-C and comes back, and the journey finishes after the restart."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from starter.sdk import Mgeflow
from tests.mge.imagefiles import make_image
from tests.support.sandbox import free_port
from tests.support.shop import BRAND, SHIPPING, SKU
from tests.workflows.journeys import NO_FOLLOW_UP

pytestmark = pytest.mark.slow


class Up:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.temporal, self.ui, self.sandbox = free_port(), free_port(), free_port()
        self.lines: list[str] = []
        self.process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None

    async def start(self, *extra: str) -> None:
        self.lines = []
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MGE_", "TEMPORAL_"))}
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "starter.cli", "up",
            "--data-dir", str(self.data_dir), "--temporal-port", str(self.temporal),
            "--ui-port", str(self.ui), "--sandbox-port", str(self.sandbox), *extra,
            env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        async for raw in self.process.stdout:
            self.lines.append(raw.decode(errors="replace").rstrip())

    async def wait_for(self, text: str) -> None:
        async def seen() -> None:
            while not any(text in line for line in self.lines):
                if self.process is not None and self.process.returncode is not None:
                    raise AssertionError("\n".join(self.lines[-30:]))
                await asyncio.sleep(0.1)

        await asyncio.wait_for(seen(), 90)

    async def ctrl_c(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        code = await asyncio.wait_for(self.process.wait(), 60)
        if self._reader:
            await self._reader
        return code

    async def flow(self) -> Mgeflow:
        client = await Client.connect(
            f"127.0.0.1:{self.temporal}", data_converter=pydantic_data_converter
        )
        return Mgeflow(client, task_queue="mgeflow", follow_up=NO_FOLLOW_UP)


@pytest.fixture
async def up(tmp_path: Path) -> AsyncIterator[Up]:
    stack = Up(tmp_path / "state")
    yield stack
    if stack.process is not None and stack.process.returncode is None:
        stack.process.kill()
        await stack.process.wait()


async def test_up_demo_restart_and_resume(up: Up, tmp_path: Path) -> None:
    await up.start("--demo")
    await up.wait_for("mgeflow is up")
    await up.wait_for("demo order")
    assert any("demo cart" in line and "order MGE" in line for line in up.lines)
    async with httpx.AsyncClient() as http:  # the Web UI is there
        assert (await http.get(f"http://127.0.0.1:{up.ui}/")).status_code == 200

    flow = await up.flow()
    photo = make_image(tmp_path / "p.jpg", "JPEG", (800, 600))
    image = await flow.attach_image(BRAND, "resumed-cart", str(photo))
    await flow.set_lines(BRAND, "resumed-cart", [{"sku": SKU, "asset_token": image.asset_token}])
    await flow.set_shipping(BRAND, "resumed-cart", SHIPPING)
    assert await up.ctrl_c() == 0
    assert any("stopping" in line for line in up.lines)

    await up.start()
    await up.wait_for("mgeflow is up")
    flow = await up.flow()
    order = await flow.submit_cart(BRAND, "resumed-cart")
    async with httpx.AsyncClient() as http:
        audit = (await http.get(f"http://127.0.0.1:{up.sandbox}/admin/audit")).json()
    assert audit["orders_by_reference"]["resumed-cart"] == [order.order_id]
    demo_carts = await flow.find_journeys(brand_id=BRAND, stage="SUBMITTED")
    assert any(j.reference and j.reference.startswith("demo-cart-") for j in demo_carts)
    assert await up.ctrl_c() == 0


async def test_up_refuses_busy_ports(up: Up) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", up.temporal))
        busy.listen()
        await up.start()
        assert up.process is not None
        code = await asyncio.wait_for(up.process.wait(), 30)
    await asyncio.sleep(0.1)
    assert code == 1
    assert any(f"port(s) {up.temporal} in use" in line for line in up.lines)
