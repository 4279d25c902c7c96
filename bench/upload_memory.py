"""Peak Python memory and time of a photo upload: mgeflow's streamed upload against the naive
way (read the file, hand the bytes to httpx), side by side in one run, against a local sandbox.

    .venv/bin/python bench/upload_memory.py [--sizes 10,50] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import httpx
from PIL import Image

from mge import ImageOpener, MgeClient, MgeSettings
from mge.models import DraftCreate
from starter.logs import configure_logging

MB = 1024 * 1024


def padded_jpeg(path: Path, total: int) -> Path:
    """A real JPEG grown with trailing bytes (decoders stop at its end marker)."""
    Image.new("RGB", (1200, 900), (200, 120, 40)).save(path, "JPEG")
    with path.open("ab") as file:
        file.truncate(total)
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def until_healthy(url: str) -> None:
    async with httpx.AsyncClient() as http:
        for _ in range(200):
            try:
                if (await http.get(url)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


async def streamed(settings: MgeSettings, photo: Path) -> tuple[float, int]:
    opener = ImageOpener(max_bytes=settings.max_image_bytes)
    async with MgeClient(settings) as mge:
        draft = await mge.create_draft(DraftCreate(brand_id=116))
        tracemalloc.start()
        started = time.perf_counter()
        async with opener.open(str(photo)) as image:
            await mge.upload_draft_asset(draft.id, image)
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    await opener.aclose()
    return elapsed, peak


async def naive(settings: MgeSettings, photo: Path) -> tuple[float, int]:
    headers = {"Authorization": f"Bearer {settings.api_key.get_secret_value()}"}
    async with httpx.AsyncClient(
        base_url=str(settings.base_url), headers=headers, timeout=60
    ) as http:
        draft = (await http.post("order-drafts/", json={"brand_id": 116})).json()
        tracemalloc.start()
        started = time.perf_counter()
        data = photo.read_bytes()
        files = {"file": ("image.jpg", data, "image/jpeg")}
        response = await http.post(f"order-drafts/{draft['id']}/assets/", files=files)
        response.raise_for_status()
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return elapsed, peak


async def main(sizes: list[int], runs: int) -> None:
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        limit = max(sizes) * MB + 1
        sandbox = subprocess.Popen(
            [sys.executable, "-m", "sandbox", "--port", str(port), "--db", f"{tmp}/s.sqlite3"],
            env={**os.environ, "MGE_SANDBOX_MAX_UPLOAD_BYTES": str(limit)},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            await until_healthy(f"http://127.0.0.1:{port}/admin/health")
            settings = MgeSettings(
                base_url=f"http://127.0.0.1:{port}/api/v1/", api_key="sk_sandbox_test",
                max_image_bytes=limit,
            )  # fmt: skip
            print(f"{'size':>6}  {'way':<9} {'median s':>9} {'peak MB':>8}")
            for size in sizes:
                photo = padded_jpeg(Path(tmp) / f"{size}.jpg", size * MB)
                for name, way in (("streamed", streamed), ("naive", naive)):
                    results = [await way(settings, photo) for _ in range(runs)]
                    seconds = statistics.median(r[0] for r in results)
                    peak = statistics.median(r[1] for r in results) / MB
                    print(f"{size:>4}MB  {name:<9} {seconds:>9.3f} {peak:>8.1f}")
        finally:
            sandbox.terminate()
            sandbox.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,50", help="MB, comma-separated")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    configure_logging("WARNING")
    asyncio.run(main([int(s) for s in args.sizes.split(",")], args.runs))
