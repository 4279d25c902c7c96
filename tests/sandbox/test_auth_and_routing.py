"""Authentication, brand scoping and the two kinds of 404."""

from __future__ import annotations

import httpx

from tests.sandbox.partner import BRAND, OTHER_BRAND, create_preview, order_body
from tests.support.sandbox import SandboxProcess


def test_missing_credentials_is_401(sandbox: SandboxProcess) -> None:
    response = httpx.get(sandbox.api_url + "account/brands/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_unknown_key_is_401(sandbox: SandboxProcess) -> None:
    with sandbox.client("sk_live_not_a_key") as client:
        response = client.get("account/brands/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_brand_the_key_may_not_use_is_403(noscope_api: httpx.Client) -> None:
    response = noscope_api.post("orders/", json=order_body(brand_id=OTHER_BRAND))
    assert response.status_code == 403
    assert "117" in response.json()["detail"]


def test_preview_needs_the_mockup_scope(noscope_api: httpx.Client) -> None:
    response = create_preview(noscope_api)
    assert response.status_code == 403
    assert "mockup:create" in response.json()["detail"]


def test_resources_of_another_brand_look_absent(
    sandbox: SandboxProcess, api: httpx.Client, noscope_api: httpx.Client
) -> None:
    draft = api.post("order-drafts/", json={"brand_id": OTHER_BRAND, "line_items": []}).json()
    assert noscope_api.get(f"order-drafts/{draft['id']}/").status_code == 404
    assert api.get(f"order-drafts/{draft['id']}/").status_code == 200
    assert noscope_api.get("order-drafts/").json()["count"] == 0


def test_unknown_route_is_an_html_404(api: httpx.Client) -> None:
    response = api.get("no-such-thing/")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")


def test_missing_resource_on_a_known_route_is_a_json_404(api: httpx.Client) -> None:
    for path in ("orders/MGE0000000A/", "order-drafts/999999/", "preview/nope/"):
        response = api.get(path)
        assert response.status_code == 404, path
        assert response.json() == {"detail": "Not found."}


def test_wrong_method_is_a_drf_405(api: httpx.Client) -> None:
    response = api.put("orders/", json={})
    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "PUT" not allowed.'}


def test_malformed_json_is_a_400(api: httpx.Client) -> None:
    response = api.post(
        "orders/", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")


def test_brands_of_the_key(api: httpx.Client, noscope_api: httpx.Client) -> None:
    rows = api.get("account/brands/").json()["results"]
    assert [(row["brand_id"], row["brand_short_code"], row["is_default"]) for row in rows] == [
        (BRAND, "DEMO", True),
        (OTHER_BRAND, "SEC", False),
    ]
    assert {row["preferred_currency"] for row in rows} == {"EUR"}
    assert [row["brand_id"] for row in noscope_api.get("account/brands/").json()["results"]] == [
        BRAND
    ]


def test_openapi_docs_are_served(sandbox: SandboxProcess) -> None:
    assert httpx.get(sandbox.base_url + "/docs").status_code == 200
    paths = httpx.get(sandbox.base_url + "/openapi.json").json()["paths"]
    assert "/api/v1/order-drafts/{draft_id}/submit/" in paths
    assert "/admin/audit" in paths
