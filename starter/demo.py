"""`mgeflow up --demo`: one journey of each kind, so the Web UI shows real work at once."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw

from mge.models import Shipping
from starter.sdk import Mgeflow

BRAND = 116  # the sandbox's demo brand
# A made-up shopper: the demo must never carry anyone's real data.
SHIPPING = Shipping(
    name="Demo Shopper",
    email="shopper@example.com",
    phone="+65 6000 0000",
    street="1 Example Street",
    city="Singapore",
    zip="000001",
    country="SG",
)


def demo_photo(directory: Path) -> Path:
    """A colourful 1200x1500 JPEG, drawn here (nothing is downloaded)."""
    path = directory / "demo-photo.jpg"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        image = Image.new("RGB", (1200, 1500), (250, 235, 200))
        draw = ImageDraw.Draw(image)
        for i, colour in enumerate([(220, 80, 60), (60, 140, 200), (90, 170, 90), (240, 190, 40)]):
            draw.ellipse((150 + i * 180, 300 + i * 200, 650 + i * 120, 800 + i * 150), fill=colour)
        image.save(path, "JPEG", quality=90)
    return path


async def run_demo(flow: Mgeflow, directory: Path, say: Callable[[str], None]) -> None:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    photo = str(demo_photo(directory).resolve())

    cart = f"demo-cart-{stamp}"
    image = await flow.attach_image(BRAND, cart, photo)
    await flow.set_lines(
        BRAND, cart, [{"sku": "DOT/VF/40X50/W/BLACK/STD", "asset_token": image.asset_token}]
    )
    await flow.set_shipping(BRAND, cart, SHIPPING)
    quote = await flow.validate_cart(BRAND, cart)
    order = await flow.submit_cart(BRAND, cart)
    say(f"demo cart    draft/{BRAND}/{cart}: quote {quote.total}, order {order.order_id}")

    preview = f"demo-preview-{stamp}"
    options = await flow.start_preview(BRAND, preview, photo, variants=["source", "drama"])
    row = options[0]
    choice = await flow.choose(
        BRAND,
        preview,
        preview_option_id=row.preview_option_id,
        sku=row.order_line.sku,
        shipping=SHIPPING,
    )
    ordered = choice.order.order_id if choice.order else "-"
    say(f"demo preview preview/{BRAND}/{preview}: {len(options)} options, order {ordered}")

    direct = f"demo-order-{stamp}"
    outcome = await flow.place_order(
        BRAND, direct, lines=[options[-1].order_line], shipping=SHIPPING
    )
    placed = outcome.order.order_id if outcome.order else "-"
    say(f"demo order   order/{BRAND}/{direct}: order {placed}")
