"""Direct orders: idempotency, reading, the status timeline."""

from __future__ import annotations

import time

import httpx

from tests.sandbox.partner import BRAND, DOT_SKU, order_body, url_line
from tests.support.sandbox import SandboxProcess


def test_direct_order_shape(api: httpx.Client) -> None:
    response = api.post("orders/", json=order_body(url_line(quantity=2), reference_id="ref-1"))
    assert response.status_code == 201
    order = response.json()
    assert order["id"][:3] == "MGE" and order["id"][3:10].isdigit() and order["id"][10].isupper()
    assert len(order["id"]) == 11
    assert order["brand_id"] == BRAND and order["reference_id"] == "ref-1"
    assert order["status"] == "processing" and order["draft_id"] is None
    assert order["line_items"] == [{**url_line(quantity=2), "unit_price": "10.72"}]
    assert (order["total"], order["currency"]) == ("21.44", "EUR")
    assert api.get(f"orders/{order['id']}/").json() == order


def test_idempotency_key_replays_the_same_order(sandbox: SandboxProcess, api: httpx.Client) -> None:
    body = order_body(reference_id="ref-2")
    headers = {"Idempotency-Key": "order/116/ref-2"}
    first = api.post("orders/", json=body, headers=headers)
    # Same body with keys in another order: canonical JSON makes it the same body.
    reordered = dict(reversed(list(body.items())))
    second = api.post("orders/", json=reordered, headers=headers)
    assert first.status_code == 201 and second.status_code == 200
    assert second.json()["id"] == first.json()["id"]

    conflict = api.post("orders/", json=order_body(reference_id="other"), headers=headers)
    assert conflict.status_code == 409
    assert conflict.json() == {"detail": "Idempotency-Key was used with a different body."}

    fresh = api.post("orders/", json=body, headers={"Idempotency-Key": "another"})
    assert fresh.status_code == 201 and fresh.json()["id"] != first.json()["id"]
    audit = sandbox.audit()
    assert len(audit["orders"]) == 2
    assert audit["orders"][0]["idempotency_key"] == "order/116/ref-2"
    assert audit["orders_by_reference"]["ref-2"] == [first.json()["id"], fresh.json()["id"]]


def test_a_rejected_body_does_not_burn_the_key(api: httpx.Client) -> None:
    headers = {"Idempotency-Key": "k-retry"}
    bad = order_body({"sku": DOT_SKU, "quantity": 1})
    assert api.post("orders/", json=bad, headers=headers).status_code == 400
    assert api.post("orders/", json=order_body(), headers=headers).status_code == 201


def test_status_advances_with_time(sandbox: SandboxProcess, api: httpx.Client) -> None:
    sandbox.patch_config(order_status_interval_seconds=0.3)
    order_id = api.post("orders/", json=order_body()).json()["id"]
    deadline = time.monotonic() + 5
    seen: list[str] = []
    while seen[-1:] != ["delivered"] and time.monotonic() < deadline:
        order = api.get(f"orders/{order_id}/").json()
        if seen[-1:] != [order["status"]]:
            seen.append(order["status"])
        time.sleep(0.03)
    assert seen == ["processing", "in_production", "shipped", "delivered"]
    tracking = api.get(f"orders/{order_id}/").json()["tracking"]
    assert set(tracking) == {"carrier", "number", "url"}


def test_forced_status_sticks(sandbox: SandboxProcess, api: httpx.Client) -> None:
    sandbox.patch_config(order_status_interval_seconds=0.1)
    order_id = api.post("orders/", json=order_body()).json()["id"]
    assert sandbox.force_order_status(order_id, "cancelled")["status"] == "cancelled"
    time.sleep(0.3)
    order = api.get(f"orders/{order_id}/").json()
    assert order["status"] == "cancelled" and order["tracking"] is None
    assert sandbox.audit()["orders"][0]["status"] == "cancelled"


def test_orders_of_another_brand_are_hidden(sandbox: SandboxProcess, api: httpx.Client) -> None:
    order_id = api.post("orders/", json=order_body(brand_id=117)).json()["id"]
    with sandbox.client("sk_sandbox_noscope") as brand_116_only:
        assert brand_116_only.get(f"orders/{order_id}/").status_code == 404
