"""Raw bodies with MGE's documented mistakes, and the other field rules."""

from __future__ import annotations

import httpx

from tests.sandbox.partner import (
    DOT_SKU,
    order_body,
    ready_purchase_options,
    shipping,
    url_line,
)
from tests.support.sandbox import SandboxProcess


def test_preview_option_id_at_top_level(api: httpx.Client) -> None:
    row = ready_purchase_options(api)[0]
    body = order_body({"sku": row["order_line"]["sku"], "quantity": 1})
    body["preview_option_id"] = row["preview_option_id"]
    errors = api.post("orders/", json=body).json()
    assert errors["preview_option_id"] == ["preview_option_id belongs inside a line item."]


def test_purchase_option_id_does_not_exist(api: httpx.Client) -> None:
    line = {**url_line(), "purchase_option_id": "abc"}
    response = api.post("orders/", json=order_body(line, purchase_option_id="abc"))
    assert response.status_code == 400
    errors = response.json()
    assert "order_line" in errors["purchase_option_id"][0]
    assert "order_line" in errors["line_items"][0]["purchase_option_id"][0]


def test_shipping_line1_and_postal_code(api: httpx.Client) -> None:
    address = shipping(line1="1 Orchard Road", postal_code="238824")
    del address["street"], address["zip"]
    response = api.post("orders/", json=order_body(shipping=address))
    assert response.status_code == 400
    errors = response.json()["shipping"]
    assert errors["line1"] == ["Unknown field; use street."]
    assert errors["postal_code"] == ["Unknown field; use zip."]
    assert errors["street"] == ["This field is required."]


def test_line_mixing_image_sources(api: httpx.Client) -> None:
    row = ready_purchase_options(api)[0]
    mixed = {**row["order_line"], "asset_url": "https://images.example.com/cat.jpg"}
    response = api.post("orders/", json=order_body(url_line(), mixed))
    assert response.status_code == 400
    line_errors = response.json()["line_items"]
    assert line_errors[0] == {}
    assert line_errors[1]["non_field_errors"][0].startswith("Use exactly one image source:")


def test_line_without_image_source(api: httpx.Client) -> None:
    response = api.post("orders/", json=order_body({"sku": DOT_SKU, "quantity": 1}))
    assert response.json()["line_items"][0]["non_field_errors"][0].startswith(
        "Use exactly one image source:"
    )


def test_line_field_rules(api: httpx.Client) -> None:
    lines = [
        {"sku": "DOT/VF/99X99/W/BLACK/STD", "quantity": 1, "asset_url": "https://x.example/a.jpg"},
        {"sku": DOT_SKU, "quantity": 0, "asset_url": "ftp://x.example/a.jpg"},
        {"sku": DOT_SKU, "quantity": 1, "asset_token": "00000000-0000-0000-0000-000000000000"},
        {**url_line(), "asset_params": {"source_width": 0, "crop_mode": "auto_allowed"}},
    ]
    errors = api.post("orders/", json=order_body(*lines)).json()["line_items"]
    assert "Unknown SKU" in errors[0]["sku"][0]
    assert errors[1]["quantity"] == ["Ensure this value is greater than or equal to 1."]
    assert errors[1]["asset_url"] == ["Enter a valid URL."]
    assert "asset_token" in errors[2]
    assert "source_width" in errors[3]["asset_params"]


def test_sku_must_match_the_preview_option(api: httpx.Client) -> None:
    row = ready_purchase_options(api)[0]
    line = {**row["order_line"], "sku": "DOT/VF/60X80/W/BLACK/STD"}
    errors = api.post("orders/", json=order_body(line)).json()
    assert "not offered" in errors["line_items"][0]["preview_option_id"][0]


def test_shipping_field_rules(api: httpx.Client) -> None:
    address = shipping(email="not-an-email", country="sg", phone="")
    errors = api.post("orders/", json=order_body(shipping=address)).json()["shipping"]
    assert errors["email"] == ["Enter a valid email address."]
    assert '"SG"' in errors["country"][0]
    assert errors["phone"] == ["This field may not be blank."]
    errors = api.post("orders/", json=order_body(shipping=shipping(country="XX"))).json()
    assert "XX" in errors["shipping"]["country"][0]


def test_completeness(api: httpx.Client) -> None:
    response = api.post("orders/", json={"brand_id": 116, "line_items": []})
    assert response.status_code == 400
    assert response.json() == {
        "line_items": ["At least one line item is required."],
        "shipping": ["This field is required."],
    }
    assert api.post("orders/", json={"line_items": []}).json() == {
        "brand_id": ["This field is required."]
    }
    assert api.post("orders/", json=[1]).json() == {
        "non_field_errors": ["Invalid data. Expected a dictionary, but got list."]
    }


def test_validate_endpoint_prices_and_creates_nothing(
    sandbox: SandboxProcess, api: httpx.Client
) -> None:
    response = api.post("orders/validate/", json=order_body(url_line(quantity=2)))
    assert response.status_code == 200
    assert response.json() == {
        "valid": True,
        "line_items": [
            {"index": 0, "sku": DOT_SKU, "unit_price": "10.72", "currency": "EUR", "errors": []}
        ],
        "total": "21.44",
        "currency": "EUR",
    }
    bad = api.post("orders/validate/", json=order_body(shipping=shipping(zip="")))
    assert bad.status_code == 400 and "zip" in bad.json()["shipping"]
    assert sandbox.audit()["orders"] == []
