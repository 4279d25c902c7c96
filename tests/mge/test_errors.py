"""Every error class comes from a real answer (or non-answer) of a real server."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import pytest

from mge import ImageOpener, MgeClient, MgeSettings
from mge.errors import (
    MgeConflict,
    MgeForbidden,
    MgeNotFound,
    MgePreviewOptionExpired,
    MgeRateLimited,
    MgeTransientError,
    MgeTransportError,
    MgeUnauthorized,
    MgeUnavailable,
    MgeUnexpectedResponse,
    MgeValidationError,
)
from mge.models import DraftCreate, LineItem, OrderRequest, PreviewRequest
from tests.mge.test_client import make_preview
from tests.support.image_server import ImageServer
from tests.support.shop import BRAND, SHIPPING, SKU


def token_order(token: str = "no-such-token", reference: str = "r-1") -> OrderRequest:
    return OrderRequest(
        brand_id=BRAND,
        reference_id=reference,
        shipping=SHIPPING,
        line_items=[LineItem(sku=SKU, asset_token=token)],
    )


def url_order(reference: str) -> OrderRequest:
    line = LineItem(sku=SKU, asset_url="https://img.example/p.jpg")
    return OrderRequest(
        brand_id=BRAND, reference_id=reference, shipping=SHIPPING, line_items=[line]
    )


async def test_unauthorized_never_shows_the_key(sandbox: Any) -> None:
    settings = MgeSettings(base_url=sandbox.api_url, api_key="sk_live_wrong_secret")
    async with MgeClient(settings) as mge:
        with pytest.raises(MgeUnauthorized) as caught:
            await mge.list_brands()
    assert caught.value.status == 401 and caught.value.path == "account/brands/"
    assert "sk_live_wrong_secret" not in str(caught.value) + repr(caught.value.__dict__)


async def test_forbidden_brand_and_missing_scope(
    mge: MgeClient, sandbox: Any, images: ImageOpener, jpeg: Path
) -> None:
    with pytest.raises(MgeForbidden):
        await mge.create_draft(DraftCreate(brand_id=999))
    settings = MgeSettings(base_url=sandbox.api_url, api_key="sk_sandbox_noscope")
    async with MgeClient(settings) as limited, images.open(str(jpeg)) as image:
        with pytest.raises(MgeForbidden):
            await limited.create_preview(PreviewRequest(brand_id=BRAND, products=["DOT"]), image)


async def test_not_found_resource_and_unknown_route(mge: MgeClient, sandbox: Any) -> None:
    with pytest.raises(MgeNotFound, match="Not found"):
        await mge.get_draft(987654)
    settings = MgeSettings(base_url=sandbox.base_url + "/api/v9/", api_key=sandbox.api_key)
    async with MgeClient(settings) as wrong:
        with pytest.raises(MgeNotFound, match="base URL ends in /api/v1/"):
            await wrong.list_brands()


async def test_conflict_on_a_submitted_draft(mge: MgeClient) -> None:
    draft = await mge.create_draft(
        DraftCreate(
            brand_id=BRAND,
            shipping=SHIPPING,
            line_items=[LineItem(sku=SKU, asset_url="https://img.example/p.jpg")],
        )
    )
    await mge.submit_draft(draft.id)
    with pytest.raises(MgeConflict) as caught:
        await mge.delete_draft(draft.id)
    assert caught.value.status == 409 and not caught.value.transient


async def test_validation_error_carries_field_errors(mge: MgeClient) -> None:
    with pytest.raises(MgeValidationError) as caught:
        await mge.create_order(token_order(), idempotency_key="k-validation")
    assert "line_items[0].asset_token" in caught.value.field_errors
    assert caught.value.status == 400 and not caught.value.transient


async def test_expired_preview_option(
    mge: MgeClient, images: ImageOpener, jpeg: Path, sandbox: Any
) -> None:
    sandbox.patch_config(option_ttl_seconds=0.2)
    preview = await make_preview(mge, images, jpeg)
    row = (await mge.get_purchase_options(preview.id))[0]
    order = OrderRequest(
        brand_id=BRAND, shipping=SHIPPING, line_items=[LineItem.from_order_line(row.order_line)]
    )
    await asyncio.sleep(0.3)
    with pytest.raises(MgePreviewOptionExpired, match="create a fresh preview") as caught:
        await mge.create_order(order, idempotency_key="k-expired")
    assert "line_items[0].preview_option_id" in caught.value.field_errors


async def test_rate_limited_with_retry_after(mge: MgeClient, sandbox: Any) -> None:
    sandbox.set_faults([{"kind": "rate_limit", "path": "account/brands", "retry_after": 7}])
    with pytest.raises(MgeRateLimited) as caught:
        await mge.list_brands()
    assert caught.value.retry_after == 7 and caught.value.transient and caught.value.status == 429


@pytest.mark.parametrize("status", [502, 503, 408])
async def test_server_errors_are_transient(mge: MgeClient, sandbox: Any, status: int) -> None:
    sandbox.set_faults([{"kind": "error", "status": status, "times": 1}])
    with pytest.raises(MgeUnavailable) as caught:
        await mge.list_brands()
    assert caught.value.status == status and isinstance(caught.value, MgeTransientError)
    assert await mge.list_brands()  # the fault fired once


async def test_lost_response_is_ambiguous_and_the_key_makes_the_retry_safe(
    mge: MgeClient, sandbox: Any
) -> None:
    sandbox.set_faults(
        [{"kind": "lost_response", "method": "POST", "path": "orders/$", "times": 1}]
    )
    order = url_order("lost-1")
    with pytest.raises(MgeTransportError) as caught:
        await mge.create_order(order, idempotency_key="order/116/lost-1")
    assert caught.value.maybe_applied and caught.value.status is None
    assert len(sandbox.audit()["orders_by_reference"]["lost-1"]) == 1  # it was applied
    retried = await mge.create_order(order, idempotency_key="order/116/lost-1")
    assert sandbox.audit()["orders_by_reference"]["lost-1"] == [retried.id]


async def test_timeout_is_ambiguous(sandbox: Any) -> None:
    sandbox.set_faults([{"kind": "latency", "latency_ms": 1500, "times": 1}])
    settings = MgeSettings(base_url=sandbox.api_url, api_key=sandbox.api_key, read_timeout=0.3)
    async with MgeClient(settings) as mge:
        with pytest.raises(MgeTransportError, match="no answer in time") as caught:
            await mge.list_brands()
    assert caught.value.maybe_applied


async def test_connection_refused_is_not_applied() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = MgeSettings(base_url=f"http://127.0.0.1:{port}/api/v1/", api_key="k")
    async with MgeClient(settings) as mge:
        with pytest.raises(MgeTransportError, match="could not reach MGE") as caught:
            await mge.get_draft(1)
    assert not caught.value.maybe_applied


async def test_an_answer_outside_the_contract(image_server: ImageServer) -> None:
    (image_server.root / "order-drafts").mkdir()
    (image_server.root / "order-drafts" / "1").write_text("[1, 2, 3]")
    settings = MgeSettings(base_url=f"{image_server.url}/f/", api_key="k")
    async with MgeClient(settings) as mge:
        with pytest.raises(MgeUnexpectedResponse, match="contract for Draft"):
            await mge.get_draft(1)
