"""The draft lifecycle: DRAFT -> READY -> SUBMITTED, assets, deletion, listing."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.sandbox.partner import (
    BRAND,
    DOT_SKU,
    OTHER_BRAND,
    photo,
    ready_purchase_options,
    shipping,
    url_line,
)
from tests.support.sandbox import SandboxProcess


def new_draft(api: httpx.Client, **body: Any) -> dict[str, Any]:
    response = api.post("order-drafts/", json={"brand_id": BRAND, "line_items": [], **body})
    assert response.status_code == 201, response.text
    draft: dict[str, Any] = response.json()
    return draft


def test_lifecycle_draft_ready_submitted(sandbox: SandboxProcess, api: httpx.Client) -> None:
    draft = new_draft(api, reference_id="cart-1")
    assert draft["status"] == "DRAFT" and draft["checkout"] is None
    assert isinstance(draft["id"], int) and draft["submitted_order_id"] is None

    row = ready_purchase_options(api)[0]
    patched = api.patch(
        f"order-drafts/{draft['id']}/",
        json={"line_items": [row["order_line"]], "shipping": shipping()},
    ).json()
    assert patched["line_items"] == [row["order_line"]] and patched["shipping"] == shipping()

    validated = api.post(f"order-drafts/{draft['id']}/validate/")
    assert validated.status_code == 200
    body = validated.json()
    assert body["valid"] is True and body["status"] == "READY"
    assert body["line_items"] == [
        {"index": 0, "sku": DOT_SKU, "unit_price": "10.72", "currency": "EUR", "errors": []}
    ]
    assert body["checkout"]["max_payment_session_seconds"] == 3600
    assert body["checkout"]["total"] == "10.72" and body["checkout"]["ready_until"].endswith("Z")
    ready = api.get(f"order-drafts/{draft['id']}/").json()
    assert ready["status"] == "READY" and ready["line_items"][0]["unit_price"] == "10.72"

    first = api.post(f"order-drafts/{draft['id']}/submit/")
    assert first.status_code == 201
    order = first.json()
    assert order["status"] == "processing" and order["draft_id"] == draft["id"]
    assert order["reference_id"] == "cart-1" and order["total"] == "10.72"

    second = api.post(f"order-drafts/{draft['id']}/submit/")
    assert second.status_code == 200 and second.json()["id"] == order["id"]

    submitted = api.get(f"order-drafts/{draft['id']}/").json()
    assert submitted["status"] == "SUBMITTED" and submitted["submitted_order_id"] == order["id"]
    audit = sandbox.audit()
    assert audit["orders_by_draft"] == {str(draft["id"]): [order["id"]]}
    assert audit["orders_by_reference"] == {"cart-1": [order["id"]]}
    assert api.get(f"orders/{order['id']}/").json()["id"] == order["id"]

    frozen = api.patch(f"order-drafts/{draft['id']}/", json={"reference_id": "x"})
    assert frozen.status_code == 409 and "detail" in frozen.json()


def test_patch_on_ready_returns_to_draft(api: httpx.Client) -> None:
    draft = new_draft(api, line_items=[url_line()], shipping=shipping())
    assert api.post(f"order-drafts/{draft['id']}/validate/").json()["status"] == "READY"
    patched = api.patch(f"order-drafts/{draft['id']}/", json={"line_items": [url_line(quantity=3)]})
    assert patched.json()["status"] == "DRAFT" and patched.json()["checkout"] is None
    assert patched.json()["line_items"] == [url_line(quantity=3)]


def test_patch_validates_fields_and_documented_mistakes(api: httpx.Client) -> None:
    draft = new_draft(api)
    address = shipping(postal_code="238824")
    del address["zip"]
    response = api.patch(f"order-drafts/{draft['id']}/", json={"shipping": address})
    assert response.status_code == 400
    assert response.json() == {
        "shipping": {"postal_code": ["Unknown field; use zip."], "zip": ["This field is required."]}
    }
    bad_create = api.post("order-drafts/", json={"brand_id": BRAND, "preview_option_id": "x"})
    assert bad_create.status_code == 400


def test_validate_reports_what_is_missing(api: httpx.Client) -> None:
    draft = new_draft(api)
    response = api.post(f"order-drafts/{draft['id']}/validate/")
    assert response.status_code == 400
    assert response.json() == {
        "line_items": ["At least one line item is required."],
        "shipping": ["This field is required."],
    }


def test_submit_of_a_draft_validates_implicitly(api: httpx.Client) -> None:
    incomplete = new_draft(api, line_items=[url_line()])
    response = api.post(f"order-drafts/{incomplete['id']}/submit/")
    assert response.status_code == 400 and "shipping" in response.json()
    complete = new_draft(api, line_items=[url_line()], shipping=shipping())
    assert api.post(f"order-drafts/{complete['id']}/submit/").status_code == 201


def test_expired_checkout_window_needs_a_new_validate(
    sandbox: SandboxProcess, api: httpx.Client
) -> None:
    sandbox.patch_config(ready_window_seconds=0.2)
    draft = new_draft(api, line_items=[url_line()], shipping=shipping())
    assert api.post(f"order-drafts/{draft['id']}/validate/").status_code == 200
    time.sleep(0.3)
    response = api.post(f"order-drafts/{draft['id']}/submit/")
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["The checkout window has expired; validate the draft again."]
    }
    sandbox.patch_config(ready_window_seconds=3600)
    assert api.post(f"order-drafts/{draft['id']}/validate/").status_code == 200
    assert api.post(f"order-drafts/{draft['id']}/submit/").status_code == 201


def test_ready_draft_pins_its_preview_options(sandbox: SandboxProcess, api: httpx.Client) -> None:
    row = ready_purchase_options(api)[0]
    draft = new_draft(api, line_items=[row["order_line"]], shipping=shipping())
    assert api.post(f"order-drafts/{draft['id']}/validate/").status_code == 200
    sandbox.patch_config(option_ttl_seconds=0)
    assert api.post(f"order-drafts/{draft['id']}/submit/").status_code == 201


def test_delete(sandbox: SandboxProcess, api: httpx.Client) -> None:
    draft = new_draft(api)
    assert api.delete(f"order-drafts/{draft['id']}/").status_code == 204
    assert api.get(f"order-drafts/{draft['id']}/").status_code == 404
    assert sandbox.audit()["drafts"][0]["deleted"] is True

    submitted = new_draft(api, line_items=[url_line()], shipping=shipping())
    api.post(f"order-drafts/{submitted['id']}/submit/")
    assert api.delete(f"order-drafts/{submitted['id']}/").status_code == 409

    sandbox.patch_config(supports_delete=False)
    other = new_draft(api)
    response = api.delete(f"order-drafts/{other['id']}/")
    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "DELETE" not allowed.'}


def test_asset_upload_and_use(api: httpx.Client) -> None:
    draft = new_draft(api)
    response = api.post(
        f"order-drafts/{draft['id']}/assets/",
        files={"file": ("cat.png", photo("PNG", (120, 90)), "image/png")},
    )
    assert response.status_code == 201
    asset = response.json()
    assert set(asset) == {"asset_token", "content_type", "size", "width", "height"}
    assert (asset["content_type"], asset["width"], asset["height"]) == ("image/png", 120, 90)

    line = {"sku": DOT_SKU, "quantity": 1, "asset_token": asset["asset_token"]}
    api.patch(f"order-drafts/{draft['id']}/", json={"line_items": [line], "shipping": shipping()})
    assert api.post(f"order-drafts/{draft['id']}/submit/").status_code == 201


def test_asset_upload_rejects_what_is_not_an_image(
    sandbox: SandboxProcess, api: httpx.Client
) -> None:
    draft = new_draft(api)
    url = f"order-drafts/{draft['id']}/assets/"
    response = api.post(url, files={"file": ("a.gif", photo("GIF"), "image/gif")})
    assert response.status_code == 400 and "file" in response.json()
    response = api.post(url, files={"file": ("a.txt", b"hello", "text/plain")})
    assert response.status_code == 400 and "file" in response.json()
    sandbox.patch_config(max_upload_bytes=100)
    response = api.post(url, files={"file": ("a.jpg", photo(), "image/jpeg")})
    assert response.status_code == 400 and "maximum" in response.json()["file"][0]


def test_asset_from_url(sandbox: SandboxProcess, api: httpx.Client) -> None:
    # The sandbox's own media URLs make a loopback image source.
    row = ready_purchase_options(api)[0]
    draft = new_draft(api)
    url = f"order-drafts/{draft['id']}/assets/from-url/"
    response = api.post(url, json={"url": row["mockup_url"]})
    assert response.status_code == 201
    assert response.json()["content_type"] == "image/png"
    missing = api.post(url, json={"url": sandbox.base_url + "/media/previews/nope.png"})
    assert missing.status_code == 400 and "404" in missing.json()["url"][0]
    assert api.post(url, json={"url": "not a url"}).status_code == 400


def test_big_upload_is_streamed(sandbox: SandboxProcess, api: httpx.Client) -> None:
    size = 50 * 1024 * 1024
    sandbox.patch_config(max_upload_bytes=size + 1)
    # A real JPEG padded to 50 MB: decoders stop at the end-of-image marker.
    body = photo() + bytes(size - len(photo()))
    draft = new_draft(api)
    rss_before = _peak_rss_kib(sandbox)
    response = api.post(
        f"order-drafts/{draft['id']}/assets/",
        files={"file": ("big.jpg", body, "image/jpeg")},
        timeout=60,
    )
    assert response.status_code == 201, response.text
    assert response.json()["size"] == size
    assert _peak_rss_kib(sandbox) - rss_before < 30 * 1024


def _peak_rss_kib(sandbox: SandboxProcess) -> int:
    with open(f"/proc/{sandbox.pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM")


def test_list_filters_and_pages(sandbox: SandboxProcess, api: httpx.Client) -> None:
    sandbox.patch_config(page_size=2)
    ids = [new_draft(api)["id"] for _ in range(3)]
    other = new_draft(api, brand_id=OTHER_BRAND)
    ready = new_draft(api, line_items=[url_line()], shipping=shipping())
    api.post(f"order-drafts/{ready['id']}/validate/")

    page = api.get("order-drafts/").json()
    assert page["count"] == 5 and len(page["results"]) == 2
    assert [d["id"] for d in page["results"]] == [ready["id"], other["id"]]  # newest first
    assert api.get("order-drafts/", params={"status": "READY"}).json()["count"] == 1
    by_brand = api.get("order-drafts/", params={"brand_id": BRAND, "page": 2}).json()
    assert [d["id"] for d in by_brand["results"]] == ids[:2][::-1]
    assert api.get("order-drafts/", params={"brand_id": 999}).status_code == 403
