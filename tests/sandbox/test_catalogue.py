"""Product types, variants, prices and preview axes."""

from __future__ import annotations

import httpx

from tests.sandbox.partner import DOT_PRICE, DOT_SKU
from tests.support.sandbox import SandboxProcess


def test_product_types_list_every_code(api: httpx.Client) -> None:
    body = api.get("products/types/").json()
    assert {row["code"] for row in body["results"]} == {"DOT", "DBN", "PBN", "PHT", "PIX", "ACC"}
    assert body["count"] == 6 and body["next"] is None and body["previous"] is None


def test_product_type_detail(api: httpx.Client) -> None:
    dot = api.get("products/types/DOT/").json()
    assert dot["sku_example"] == DOT_SKU
    assert dot["sku_template"].startswith("DOT/")
    dbn = api.get("products/types/DBN/").json()
    assert dbn["sku_example"] == "DBN/VF/40X50/COL50/SQRA/W/STD"
    missing = api.get("products/types/XYZ/")
    assert missing.status_code == 404 and missing.json() == {"detail": "Not found."}


def test_variants_filter_by_manufacturing_type(api: httpx.Client) -> None:
    rows = api.get("products/types/DBN/variants/", params={"product_type": "VF"}).json()["results"]
    assert len(rows) == 9  # 3 sizes x 3 frames
    first = rows[0]
    assert set(first) == {
        "id",
        "code",
        "product",
        "product_type",
        "size",
        "size_display",
        "frame",
        "colors_type",
        "diamond_type",
    }
    assert {row["product_type"] for row in rows} == {"VF"}
    assert first["colors_type"] == "COL50" and first["diamond_type"] == "SQRA"
    assert api.get("products/types/PIX/variants/").json()["count"] == 0


def test_pricing_pages(sandbox: SandboxProcess, api: httpx.Client) -> None:
    sandbox.patch_config(page_size=10)
    first = api.get("products/pricing/").json()
    assert first["count"] == 36 and len(first["results"]) == 10
    assert first["previous"] is None and "page=2" in first["next"]
    second = httpx.get(first["next"], headers=api.headers).json()
    assert second["previous"] is not None and second["results"][0] != first["results"][0]
    prices = {row["sku"]: row["unit_price"] for row in first["results"] + second["results"]}
    assert prices[DOT_SKU] == DOT_PRICE
    assert api.get("products/pricing/", params={"page": 99}).status_code == 404


def test_preview_option_axes(api: httpx.Client) -> None:
    axes = api.get("preview/options/").json()
    assert "drama" in axes["DOT"]["variants"] and "source" in axes["DBN"]["variants"]
