"""Every MgeClient method against the sandbox, over a real socket."""

from __future__ import annotations

import asyncio
import tracemalloc
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from mge import ImageOpener, ImageRejected, MgeClient, MgeSettings
from mge.errors import MgeConflict, MgeNotFound
from mge.models import (
    AssetParams,
    DraftCreate,
    DraftStatus,
    DraftUpdate,
    LineItem,
    OrderRequest,
    Preview,
    PreviewRequest,
)
from tests.mge.imagefiles import make_padded_jpeg
from tests.support.image_server import ImageServer
from tests.support.shop import BRAND, SHIPPING, SKU


async def ready_preview(mge: MgeClient, preview: Preview) -> Preview:
    for _ in range(100):
        if preview.is_ready or preview.is_failed:
            return preview
        await asyncio.sleep(0.1)
        preview = await mge.get_preview(preview.id)
    raise AssertionError(f"preview stuck in {preview.status}")


async def make_preview(mge: MgeClient, images: ImageOpener, photo: Path) -> Preview:
    request = PreviewRequest(
        brand_id=BRAND,
        products=["DOT"],
        preferred_size="40X50",
        preview_options={"DOT": [{"variant": "source"}, {"variant": "drama"}]},
    )
    async with images.open(str(photo)) as image:
        preview = await mge.create_preview(request, image)
    return await ready_preview(mge, preview)


async def test_catalogue(mge: MgeClient) -> None:
    brands = await mge.list_brands()
    assert BRAND in {b.brand_id for b in brands}
    codes = {t.code for t in await mge.list_product_types()}
    assert {"DOT", "DBN"} <= codes
    dot = await mge.get_product_type("DOT")
    assert dot.sku_example and dot.sku_example.startswith("DOT/")
    variants = await mge.list_variants("DOT", "VF")
    assert variants and all(v.code.startswith("DOT/VF/") for v in variants)
    prices = {p.sku: p.unit_price for p in await mge.list_prices()}
    assert isinstance(prices[SKU], Decimal)
    assert "DOT" in await mge.get_preview_option_axes()


async def test_preview_to_purchase_options_and_replacement(
    mge: MgeClient, images: ImageOpener, jpeg: Path
) -> None:
    request = PreviewRequest(brand_id=BRAND, products=["DOT"], preferred_size="40X50")
    async with images.open(str(jpeg)) as image:
        created = await mge.create_preview(request, image)
    assert created.status in ("PENDING", "PROCESSING")
    with pytest.raises(MgeConflict, match="not ready"):
        await mge.get_purchase_options(created.id)

    preview = await ready_preview(mge, created)
    assert preview.status == "COMPLETED"
    rows = await mge.get_purchase_options(preview.id)
    assert rows and all(r.order_line.preview_option_id == r.preview_option_id for r in rows)
    assert {r.order_line.sku.split("/")[0] for r in rows} == {"DOT"}

    async with images.open(str(jpeg)) as image:
        replaced = await mge.replace_preview_photo(preview.id, image)
    replaced = await ready_preview(mge, replaced)
    new_rows = await mge.get_purchase_options(replaced.id)
    assert {r.preview_option_id for r in new_rows}.isdisjoint({r.preview_option_id for r in rows})


async def test_draft_flow_a_with_uploaded_image(
    mge: MgeClient, images: ImageOpener, jpeg: Path, sandbox: Any
) -> None:
    draft = await mge.create_draft(DraftCreate(brand_id=BRAND, reference_id="cart-a"))
    assert draft.status == DraftStatus.DRAFT
    async with images.open(str(jpeg)) as image:
        asset = await mge.upload_draft_asset(draft.id, image)
    assert (asset.width, asset.height, asset.content_type) == (640, 480, "image/jpeg")

    line = LineItem(
        sku=SKU,
        quantity=2,
        asset_token=asset.asset_token,
        asset_params=AssetParams(source_width=640, source_height=480, crop_mode="auto_allowed"),
    )
    updated = await mge.update_draft(draft.id, DraftUpdate(line_items=[line], shipping=SHIPPING))
    assert updated.line_items[0].asset_token == asset.asset_token

    validation = await mge.validate_draft(draft.id)
    assert validation.status == DraftStatus.READY and validation.checkout is not None
    assert validation.line_items[0].unit_price is not None

    order = await mge.submit_draft(draft.id)
    again = await mge.submit_draft(draft.id)
    assert again.id == order.id and order.status == "processing"
    assert (await mge.get_draft(draft.id)).submitted_order_id == order.id
    assert (await mge.get_order(order.id)).reference_id == "cart-a"
    assert sandbox.audit()["orders_by_draft"][str(draft.id)] == [order.id]
    with pytest.raises(MgeConflict):
        await mge.update_draft(draft.id, DraftUpdate(shipping=SHIPPING))


async def test_draft_flow_b_with_a_copied_order_line(
    mge: MgeClient, images: ImageOpener, jpeg: Path
) -> None:
    preview = await make_preview(mge, images, jpeg)
    row = (await mge.get_purchase_options(preview.id))[0]
    draft = await mge.create_draft(
        DraftCreate(
            brand_id=BRAND, line_items=[LineItem.from_order_line(row.order_line)], shipping=SHIPPING
        )
    )
    order = await mge.submit_draft(draft.id)  # a DRAFT submit validates implicitly
    assert order.line_items[0].preview_option_id == row.preview_option_id


async def test_asset_from_url(mge: MgeClient, image_server: ImageServer, jpeg: Path) -> None:
    (image_server.root / "shop.jpg").write_bytes(jpeg.read_bytes())
    draft = await mge.create_draft(DraftCreate(brand_id=BRAND))
    asset = await mge.attach_draft_asset_from_url(draft.id, f"{image_server.url}/f/shop.jpg")
    assert (asset.width, asset.height) == (640, 480)


async def test_list_drafts_pages_and_filters(mge: MgeClient, sandbox: Any) -> None:
    sandbox.patch_config(page_size=2)
    ids = [(await mge.create_draft(DraftCreate(brand_id=BRAND))).id for _ in range(3)]
    first = await mge.list_drafts(status="DRAFT", brand_id=BRAND)
    second = await mge.list_drafts(status="DRAFT", brand_id=BRAND, page=2)
    assert first.count == 3 and first.next and not second.next
    assert {d.id for d in first.results + second.results} == set(ids)
    assert (await mge.list_drafts(status="SUBMITTED")).count == 0


async def test_delete_draft_and_unsupported_delete(mge: MgeClient, sandbox: Any) -> None:
    draft = await mge.create_draft(DraftCreate(brand_id=BRAND))
    assert await mge.delete_draft(draft.id) is True
    with pytest.raises(MgeNotFound):
        await mge.get_draft(draft.id)

    sandbox.patch_config(supports_delete=False)
    kept = await mge.create_draft(DraftCreate(brand_id=BRAND))
    assert await mge.delete_draft(kept.id) is False
    assert (await mge.get_draft(kept.id)).status == DraftStatus.DRAFT
    assert sandbox.audit()["requests"][-2]["status"] == 405


async def test_direct_order_is_idempotent_and_dry_run_creates_nothing(
    mge: MgeClient, sandbox: Any
) -> None:
    order = OrderRequest(
        brand_id=BRAND,
        reference_id="checkout-7",
        shipping=SHIPPING,
        line_items=[LineItem(sku=SKU, asset_url="https://img.example/p.jpg")],
    )
    check = await mge.validate_order(order)
    assert check.valid and check.total is not None
    assert sandbox.audit()["orders"] == []

    first = await mge.create_order(order, idempotency_key="order/116/checkout-7")
    second = await mge.create_order(order, idempotency_key="order/116/checkout-7")
    assert first.id == second.id
    assert sandbox.audit()["orders_by_reference"]["checkout-7"] == [first.id]
    with pytest.raises(ValueError, match="idempotency_key"):
        await mge.create_order(order, idempotency_key="")


async def test_oversized_stream_is_cut_off_and_nothing_is_created(
    settings: MgeSettings, image_server: ImageServer, sandbox: Any
) -> None:
    make_padded_jpeg(image_server.root / "big.jpg", 3_000_000)
    opener = ImageOpener(max_bytes=1_000_000)
    async with MgeClient(settings) as mge:
        draft = await mge.create_draft(DraftCreate(brand_id=BRAND))
        async with opener.open(f"{image_server.url}/chunked/big.jpg") as image:
            with pytest.raises(ImageRejected, match="larger than"):
                await mge.upload_draft_asset(draft.id, image)
    await opener.aclose()
    uploads = [r for r in sandbox.audit()["requests"] if r["path"].endswith("/assets/")]
    assert all(r["status"] != 201 for r in uploads)


@pytest.mark.slow
async def test_a_50_mb_upload_streams_in_bounded_memory(sandbox: Any, tmp_path: Path) -> None:
    size = 50 * 1024 * 1024
    photo = make_padded_jpeg(tmp_path / "huge.jpg", size)
    sandbox.patch_config(max_upload_bytes=size + 1)
    settings = MgeSettings(
        base_url=sandbox.api_url, api_key=sandbox.api_key, max_image_bytes=size + 1
    )
    opener = ImageOpener(max_bytes=settings.max_image_bytes)
    async with MgeClient(settings) as mge:
        draft = await mge.create_draft(DraftCreate(brand_id=BRAND))
        tracemalloc.start()
        try:
            async with opener.open(str(photo)) as image:
                asset = await mge.upload_draft_asset(draft.id, image)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    await opener.aclose()
    assert asset.size == size
    # The whole file is 50 MB; a streamed upload holds a few chunks (256 KiB each) at a time.
    assert peak < 8 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"
