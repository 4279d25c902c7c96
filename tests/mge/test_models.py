"""Request models refuse what MGE refuses, naming the field and the fix; responses stay lenient."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from mge.errors import field_errors_from_pydantic, flatten_field_errors
from mge.models import (
    DraftCreate,
    DraftUpdate,
    LineItem,
    Order,
    OrderLine,
    OrderRequest,
    PreviewRequest,
    PurchaseOption,
    Shipping,
)

SHIPPING = {
    "name": "Ada Lovelace",
    "email": "ada@example.com",
    "phone": "+65 6123 4567",
    "street": "1 Orchard Road",
    "city": "Singapore",
    "zip": "238823",
    "country": "SG",
}
SKU = "DOT/VF/40X50/W/BLACK/STD"
URL_LINE = {"sku": SKU, "quantity": 1, "asset_url": "https://img.example/p.jpg"}


def errors_of(model: Any, data: dict[str, Any]) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return field_errors_from_pydantic(caught.value)


def order(**changes: Any) -> dict[str, Any]:
    return {"brand_id": 116, "line_items": [URL_LINE], "shipping": SHIPPING, **changes}


def test_valid_order_serialises_without_empty_fields() -> None:
    body = OrderRequest.model_validate(order(reference_id="cart-1")).model_dump(
        mode="json", exclude_none=True
    )
    assert body["line_items"] == [URL_LINE]
    assert body["shipping"]["country"] == "SG"


def test_mistake_1_top_level_preview_option_id() -> None:
    errors = errors_of(OrderRequest, order(preview_option_id="9b1c"))
    assert list(errors) == ["preview_option_id"]
    assert "belongs inside a line item" in errors["preview_option_id"][0]


@pytest.mark.parametrize("where", ["top", "line"])
def test_mistake_2_purchase_option_id(where: str) -> None:
    if where == "top":
        errors = errors_of(OrderRequest, order(purchase_option_id="x"))
        assert "order_line" in errors["purchase_option_id"][0]
    else:
        line = {"sku": SKU, "quantity": 1, "purchase_option_id": "x"}
        errors = errors_of(OrderRequest, order(line_items=[line]))
        assert "order_line" in errors["line_items[0].purchase_option_id"][0]


@pytest.mark.parametrize(("wrong", "right"), [("line1", "street"), ("postal_code", "zip")])
def test_mistake_3_shipping_field_names(wrong: str, right: str) -> None:
    shipping = {**SHIPPING, wrong: "x"}
    errors = errors_of(OrderRequest, order(shipping=shipping))
    assert errors[f"shipping.{wrong}"] == [f"`{wrong}` is not an MGE field: use `{right}`"]


def test_mistake_4_mixed_image_sources() -> None:
    line = {**URL_LINE, "preview_option_id": "9b1c"}
    errors = errors_of(DraftCreate, {"brand_id": 116, "line_items": [URL_LINE, line]})
    assert list(errors) == ["line_items[1]"]
    assert "exactly one image source" in errors["line_items[1]"][0]


def test_line_without_image_source() -> None:
    errors = errors_of(LineItem, {"sku": SKU, "quantity": 1})
    assert "found none" in errors["non_field_errors"][0]


@pytest.mark.parametrize(
    ("field", "value", "hint"),
    [
        ("sku", "dot/vf", "pattern"),
        ("quantity", 0, "greater than or equal to 1"),
        ("asset_url", "ftp://x/y.jpg", "URL scheme"),
    ],
)
def test_line_fields_are_checked(field: str, value: Any, hint: str) -> None:
    errors = errors_of(LineItem, {**URL_LINE, field: value})
    assert hint in errors[field][0]


def test_unknown_fields_are_refused_by_path() -> None:
    errors = errors_of(DraftUpdate, {"line_items": [{**URL_LINE, "colour": "red"}]})
    assert "line_items[0].colour" in errors


def test_shipping_errors_never_echo_personal_data() -> None:
    bad = {**SHIPPING, "email": "ada-at-example", "country": "Singapore"}
    with pytest.raises(ValidationError) as caught:
        Shipping.model_validate(bad)
    text = str(caught.value)
    assert "ada-at-example" not in text and "Singapore" not in text
    errors = field_errors_from_pydantic(caught.value)
    assert set(errors) == {"email", "country"}
    assert "alpha-2" in errors["country"][0]
    assert "Ada" not in repr(Shipping.model_validate(SHIPPING))


def test_country_is_normalised() -> None:
    assert Shipping.model_validate({**SHIPPING, "country": " de "}).country == "DE"


def test_order_line_copies_verbatim_into_a_line_item() -> None:
    row = PurchaseOption.model_validate(
        {
            "preview_option_id": "p-1",
            "order_line": {"sku": SKU, "quantity": 1, "preview_option_id": "p-1"},
            "unit_price": "10.72",
            "currency": "EUR",
            "some_new_field": True,
        }
    )
    line = LineItem.from_order_line(row.order_line)
    assert line.model_dump(exclude_none=True) == row.order_line.model_dump()
    assert isinstance(row.order_line, OrderLine)


def test_responses_accept_unknown_fields() -> None:
    parsed = Order.model_validate({"id": "MGE0980926F", "status": "processing", "eta": "soon"})
    assert parsed.model_extra == {"eta": "soon"}


def test_preview_form_fields() -> None:
    request = PreviewRequest(
        brand_id=116,
        products=["DOT"],
        preferred_size="40X50",
        comparison_count=2,
        preview_options={"DOT": [{"variant": "source"}, {"variant": "drama"}]},
    )
    fields = request.form_fields()
    assert ("products", "DOT") in fields
    assert ("preview_options", '{"DOT":[{"variant":"source"},{"variant":"drama"}]}') in fields
    errors = errors_of(
        PreviewRequest, {"brand_id": 116, "products": ["DOT"], "preview_options": {"DBN": []}}
    )
    assert "DBN" in errors["non_field_errors"][0]


def test_flatten_drf_errors() -> None:
    body = {
        "line_items": [{}, {"preview_option_id": ["expired"]}],
        "shipping": {"zip": ["required"]},
        "non_field_errors": ["nope"],
    }
    assert flatten_field_errors(body) == {
        "line_items[1].preview_option_id": ["expired"],
        "shipping.zip": ["required"],
        "non_field_errors": ["nope"],
    }
    assert flatten_field_errors({"line_items": ["At least one"]}) == {
        "line_items": ["At least one"]
    }
