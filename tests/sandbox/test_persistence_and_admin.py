"""State survives restarts; admin reset, config and back-dating."""

from __future__ import annotations

import httpx

from tests.sandbox.partner import BRAND, DOT_SKU, order_body, photo, shipping, url_line
from tests.support.sandbox import SandboxProcess


def test_state_survives_a_restart(sandbox: SandboxProcess) -> None:
    with sandbox.client() as api:
        draft = api.post("order-drafts/", json={"brand_id": BRAND}).json()
        asset = api.post(
            f"order-drafts/{draft['id']}/assets/", files={"file": ("a.jpg", photo(), "image/jpeg")}
        ).json()
        headers = {"Idempotency-Key": "survivor"}
        order = api.post("orders/", json=order_body(), headers=headers).json()
        preview = api.post(
            "preview/",
            data={"brand_id": "116", "products": ["DOT"]},
            files={"image": ("p.jpg", photo(), "image/jpeg")},
        ).json()

    sandbox.kill()  # no graceful shutdown: committed state must still be there
    sandbox.start()

    with sandbox.client() as api:
        assert api.get(f"order-drafts/{draft['id']}/").json()["id"] == draft["id"]
        assert api.get(f"orders/{order['id']}/").json()["id"] == order["id"]
        assert api.get(f"preview/{preview['id']}/").status_code == 200
        replay = api.post("orders/", json=order_body(), headers=headers)
        assert replay.status_code == 200 and replay.json()["id"] == order["id"]
        line = {"sku": DOT_SKU, "quantity": 1, "asset_token": asset["asset_token"]}
        api.patch(
            f"order-drafts/{draft['id']}/", json={"line_items": [line], "shipping": shipping()}
        )
        assert api.post(f"order-drafts/{draft['id']}/submit/").status_code == 201
        # Ids keep counting after a restart.
        assert api.post("order-drafts/", json={"brand_id": BRAND}).json()["id"] > draft["id"]


def test_reset_wipes_everything(sandbox: SandboxProcess, api: httpx.Client) -> None:
    draft = api.post("order-drafts/", json={"brand_id": BRAND}).json()
    api.post("orders/", json=order_body())
    sandbox.patch_config(page_size=3)
    sandbox.reset()
    audit = sandbox.audit()
    assert (audit["orders"], audit["drafts"], audit["previews"], audit["requests"]) == (
        [],
        [],
        [],
        [],
    )
    assert sandbox.config()["page_size"] == 50
    assert api.get(f"order-drafts/{draft['id']}/").status_code == 404
    # Draft ids never repeat, so a journey from an earlier test cannot touch a new draft.
    assert api.post("order-drafts/", json={"brand_id": BRAND}).json()["id"] > draft["id"]


def test_config_patch_rejects_unknown_fields(sandbox: SandboxProcess) -> None:
    response = httpx.patch(sandbox.base_url + "/admin/config", json={"port": 1})
    assert response.status_code == 400 or response.status_code == 422
    assert sandbox.patch_config(failing_variants=["pop"])["failing_variants"] == ["pop"]


def test_backdating_a_draft(sandbox: SandboxProcess, api: httpx.Client) -> None:
    draft = api.post("order-drafts/", json={"brand_id": BRAND, "line_items": [url_line()]}).json()
    sandbox.backdate_draft(
        draft["id"], created_at="2026-01-01T00:00:00Z", updated_at="2026-01-02T00:00:00Z"
    )
    fetched = api.get(f"order-drafts/{draft['id']}/").json()
    assert fetched["created_at"].startswith("2026-01-01T00:00:00")
    assert fetched["updated_at"].startswith("2026-01-02T00:00:00")
    audit_draft = sandbox.audit()["drafts"][0]
    assert audit_draft["updated_at"].startswith("2026-01-02")


def test_backdating_rejects_a_bad_timestamp(sandbox: SandboxProcess, api: httpx.Client) -> None:
    draft = api.post("order-drafts/", json={"brand_id": BRAND}).json()
    response = httpx.patch(
        f"{sandbox.base_url}/admin/drafts/{draft['id']}", json={"created_at": "yesterday"}
    )
    assert response.status_code == 400 and "created_at" in response.json()
