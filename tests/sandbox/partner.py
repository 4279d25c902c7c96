"""What a partner integration sends, as raw HTTP: photos, previews, shipping, order bodies."""

from __future__ import annotations

import io
import json
import time
from typing import Any

import httpx
from PIL import Image

BRAND = 116
OTHER_BRAND = 117
DOT_SKU = "DOT/VF/40X50/W/BLACK/STD"
DOT_PRICE = "10.72"


def photo(fmt: str = "JPEG", size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(buffer, format=fmt)
    return buffer.getvalue()


def shipping(**overrides: Any) -> dict[str, Any]:
    address = {
        "name": "Tan Mei Ling",
        "email": "mei@example.com",
        "phone": "+65 6123 4567",
        "street": "1 Orchard Road",
        "city": "Singapore",
        "zip": "238824",
        "country": "SG",
    }
    return {**address, **overrides}


def url_line(sku: str = DOT_SKU, quantity: int = 1) -> dict[str, Any]:
    return {"sku": sku, "quantity": quantity, "asset_url": "https://images.example.com/cat.jpg"}


def order_body(*lines: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "brand_id": BRAND,
        "line_items": list(lines) or [url_line()],
        "shipping": shipping(),
    }
    return {**body, **fields}


def create_preview(
    api: httpx.Client,
    *,
    products: tuple[str, ...] = ("DOT",),
    variants: dict[str, list[str]] | None = None,
    image: bytes | None = None,
    brand_id: int = BRAND,
    preferred_size: str = "40X50",
) -> httpx.Response:
    data: dict[str, Any] = {
        "brand_id": str(brand_id),
        "products": list(products),
        "comparison_count": "2",
        "auto_enhance": "true",
        "auto_crop": "false",
        "preferred_size": preferred_size,
    }
    if variants is not None:
        data["preview_options"] = json.dumps(
            {product: [{"variant": name} for name in names] for product, names in variants.items()}
        )
    files = {"image": ("photo.jpg", image if image is not None else photo(), "image/jpeg")}
    return api.post("preview/", data=data, files=files)


def wait_for_preview(api: httpx.Client, preview_id: str, timeout: float = 5.0) -> dict[str, Any]:
    """Poll until generation has ended (COMPLETED, PARTIAL or FAILED)."""
    deadline = time.monotonic() + timeout
    while True:
        preview: dict[str, Any] = api.get(f"preview/{preview_id}/").json()
        if preview["status"] in ("COMPLETED", "PARTIAL", "FAILED"):
            return preview
        if time.monotonic() > deadline:
            raise TimeoutError(f"preview still {preview['status']}")
        time.sleep(0.05)


def ready_purchase_options(api: httpx.Client, **preview_args: Any) -> list[dict[str, Any]]:
    """Create a preview, wait for it, and return its purchase-option rows."""
    created = create_preview(api, **preview_args)
    assert created.status_code == 201, created.text
    wait_for_preview(api, created.json()["id"])
    response = api.get(f"preview/{created.json()['id']}/purchase-options/")
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["results"]
    return rows
