"""What durability costs: one cart (open, attach photo, lines, shipping, validate, submit) as a
Temporal journey through the SDK, against the same six MGE calls made directly with MgeClient;
then carts in parallel. Both against the same local stack (dev server + sandbox + one worker),
side by side in one run.

    .venv/bin/python bench/journey_overhead.py [--carts 20] [--parallel 20]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

from PIL import Image

from mge import ImageOpener, MgeClient, MgeSettings
from mge.models import DraftCreate, DraftUpdate, LineItem
from starter.demo import SHIPPING
from starter.logs import configure_logging
from starter.sdk import Mgeflow
from starter.stack import SANDBOX_API_KEY, LocalStack, StackConfig
from workflows.messages import FollowUpPolicy

BRAND, SKU = 116, "DOT/VF/40X50/W/BLACK/STD"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def direct_cart(mge: MgeClient, images: ImageOpener, photo: str) -> None:
    draft = await mge.create_draft(DraftCreate(brand_id=BRAND, reference_id=uuid.uuid4().hex))
    async with images.open(photo) as image:
        asset = await mge.upload_draft_asset(draft.id, image)
    line = LineItem(sku=SKU, asset_token=asset.asset_token)
    await mge.update_draft(draft.id, DraftUpdate(line_items=[line]))
    await mge.update_draft(draft.id, DraftUpdate(shipping=SHIPPING))
    await mge.validate_draft(draft.id)
    await mge.submit_draft(draft.id)


async def journey_cart(flow: Mgeflow, photo: str) -> None:
    reference = f"bench-{uuid.uuid4().hex[:16]}"
    image = await flow.attach_image(BRAND, reference, photo)  # opens the cart
    await flow.set_lines(BRAND, reference, [LineItem(sku=SKU, asset_token=image.asset_token)])
    await flow.set_shipping(BRAND, reference, SHIPPING)
    await flow.validate_cart(BRAND, reference)
    await flow.submit_cart(BRAND, reference)


async def timed(make: Callable[[], Awaitable[None]]) -> float:
    started = time.perf_counter()
    await make()
    return time.perf_counter() - started


def line(name: str, seconds: list[float]) -> str:
    median, p90 = statistics.median(seconds), statistics.quantiles(seconds, n=10)[-1]
    return f"{name:<22} median {median * 1000:7.1f} ms   p90 {p90 * 1000:7.1f} ms"


async def main(carts: int, parallel: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config = StackConfig(
            data_dir=Path(tmp), temporal_port=free_port(), ui_port=free_port(),
            sandbox_port=free_port(),
        )  # fmt: skip
        stack = LocalStack(config, out=lambda _line: None)
        photo = Path(tmp) / "photo.jpg"
        Image.new("RGB", (1200, 1500), (90, 170, 90)).save(photo, "JPEG")
        client = await stack.start()
        try:
            settings = MgeSettings(
                base_url=f"{config.sandbox_url}/api/v1/", api_key=SANDBOX_API_KEY
            )
            flow = Mgeflow(client, follow_up=FollowUpPolicy(enabled=False))
            images = ImageOpener(max_bytes=settings.max_image_bytes)
            async with MgeClient(settings) as mge:
                await journey_cart(flow, str(photo))  # warm up: worker caches, connections
                await direct_cart(mge, images, str(photo))
                direct, journey = [], []
                for _ in range(carts):  # interleaved, so both see the same machine load
                    direct.append(await timed(lambda: direct_cart(mge, images, str(photo))))
                    journey.append(await timed(lambda: journey_cart(flow, str(photo))))
            await images.aclose()
            print(f"one cart, {carts} runs each, sequential:")
            print(line("direct MGE calls", direct))
            print(line("durable journey (SDK)", journey))
            ratio = statistics.median(journey) / statistics.median(direct)
            print(f"journey / direct       {ratio:.1f}x")
            started = time.perf_counter()
            await asyncio.gather(*(journey_cart(flow, str(photo)) for _ in range(parallel)))
            elapsed = time.perf_counter() - started
            print(
                f"{parallel} carts in parallel: {elapsed:.2f} s, {parallel / elapsed:.1f} carts/s"
            )
        finally:
            await stack.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--carts", type=int, default=20)
    parser.add_argument("--parallel", type=int, default=20)
    args = parser.parse_args()
    configure_logging("WARNING")
    asyncio.run(main(args.carts, args.parallel))
