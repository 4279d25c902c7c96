"""MGE's rules for order and draft bodies, applied to raw JSON.

Errors come back DRF-shaped: field-keyed message lists, shipping nested, line items as a list
aligned with the input (`{}` for a line without errors). The documented integration mistakes
(mge-api.md §4) get messages that say how to fix them.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from sandbox import catalogue
from sandbox.catalogue import ApiKey
from sandbox.countries import ISO_ALPHA2
from sandbox.errors import ApiError, FieldErrors, ValidationFailed
from sandbox.records import JsonObject
from sandbox.store import Store

REQUIRED = "This field is required."
NOT_NULL = "This field may not be null."
NOT_BLANK = "This field may not be blank."
NOT_INTEGER = "A valid integer is required."
NOT_STRING = "Not a valid string."
AT_LEAST_ONE = "Ensure this value is greater than or equal to 1."
EXPIRED_OPTION = "preview_option_id has expired; create a fresh preview before ordering."
ONE_IMAGE_SOURCE = "Use exactly one image source: asset_url, asset_token or preview_option_id."
NO_PURCHASE_OPTION_ID = (
    "No such field; copy the purchase option's order_line "
    "(sku, quantity, preview_option_id) into line_items as it is."
)
TOP_LEVEL_PREVIEW_OPTION = "preview_option_id belongs inside a line item."
SHIPPING_RENAMES = {"line1": "street", "postal_code": "zip"}
SHIPPING_FIELDS = ("name", "email", "phone", "street", "city", "zip", "country")
IMAGE_SOURCES = ("asset_url", "asset_token", "preview_option_id")
REFERENCE_MAX_LENGTH = 128

_INTEGER_TEXT = re.compile(r"^-?\d+$")


def expected_object(value: object) -> str:
    return f"Invalid data. Expected a dictionary, but got {type(value).__name__}."


def expected_list(value: object) -> str:
    return f'Expected a list of items but got type "{type(value).__name__}".'


def as_integer(value: object) -> int | None:
    """DRF's IntegerField: an int, or a string of digits; never a bool."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _INTEGER_TEXT.match(value.strip()):
        return int(value)
    return None


def expect_object(payload: Any) -> JsonObject:
    if not isinstance(payload, dict):
        raise ValidationFailed({"non_field_errors": [expected_object(payload)]})
    return payload


def read_brand_id(value: object, key: ApiKey) -> int:
    """The brand a write acts for: 400 if absent or malformed, 403 if the key may not use it."""
    if value is None:
        raise ValidationFailed({"brand_id": [REQUIRED]})
    brand_id = as_integer(value)
    if brand_id is None:
        raise ValidationFailed({"brand_id": [NOT_INTEGER]})
    if not key.may_act_for(brand_id):
        raise ApiError(403, f"This API key may not act for brand {brand_id}.")
    return brand_id


@dataclass(frozen=True)
class LineRules:
    """What a line's references are checked against."""

    store: Store
    brand_id: int
    now: float
    option_ttl_seconds: float
    # A READY draft pins its preview options until its checkout window ends.
    options_pinned: bool = False


@dataclass
class OrderBody:
    """A valid body; fields absent from the request stay None (drafts patch only those given)."""

    reference_id: str | None = None
    line_items: list[JsonObject] | None = None
    shipping: JsonObject | None = None
    given: set[str] = field(default_factory=set)


def validate_body(payload: JsonObject, rules: LineRules) -> OrderBody:
    """Field-level validation of whatever the body carries (completeness is separate)."""
    body, errors = _check_body(payload, rules)
    if errors:
        raise ValidationFailed(errors)
    return body


def _check_body(payload: JsonObject, rules: LineRules) -> tuple[OrderBody, FieldErrors]:
    errors: FieldErrors = {}
    body = OrderBody()

    if "preview_option_id" in payload:
        errors["preview_option_id"] = [TOP_LEVEL_PREVIEW_OPTION]
    if "purchase_option_id" in payload:
        errors["purchase_option_id"] = [NO_PURCHASE_OPTION_ID]

    if "reference_id" in payload:
        body.given.add("reference_id")
        reference = payload["reference_id"]
        if reference is not None:
            message = _reference_error(reference)
            if message:
                errors["reference_id"] = [message]
            else:
                body.reference_id = reference

    if "line_items" in payload:
        body.given.add("line_items")
        lines, line_errors = validate_lines(payload["line_items"], rules)
        if line_errors is not None:
            errors["line_items"] = line_errors
        body.line_items = lines

    if "shipping" in payload:
        body.given.add("shipping")
        if payload["shipping"] is not None:
            shipping, shipping_errors = validate_shipping(payload["shipping"])
            if shipping_errors is not None:
                errors["shipping"] = shipping_errors
            body.shipping = shipping
    return body, errors


def validate_complete_order(payload: JsonObject, rules: LineRules) -> OrderBody:
    """A body that must stand as an order by itself: valid fields, shipping and lines."""
    body, errors = _check_body(payload, rules)
    for name, messages in completeness_errors(body.line_items, body.shipping).items():
        # A field that is present but wrong already has its own, more precise error.
        errors.setdefault(name, messages)
    if errors:
        raise ValidationFailed(errors)
    return body


def completeness_errors(
    line_items: list[JsonObject] | None, shipping: JsonObject | None
) -> FieldErrors:
    """What an order needs beyond valid fields: shipping and at least one line."""
    errors: FieldErrors = {}
    if not line_items:
        errors["line_items"] = ["At least one line item is required."]
    if shipping is None:
        errors["shipping"] = [REQUIRED]
    return errors


def _reference_error(reference: object) -> str | None:
    if not isinstance(reference, str):
        return NOT_STRING
    if not reference.strip():
        return NOT_BLANK
    if len(reference) > REFERENCE_MAX_LENGTH:
        return f"Ensure this field has no more than {REFERENCE_MAX_LENGTH} characters."
    return None


# --- line items -------------------------------------------------------------------------------


def validate_lines(value: object, rules: LineRules) -> tuple[list[JsonObject], Any]:
    """Clean line items; the second value is None or the errors (messages, or one per line)."""
    if value is None:
        return [], [NOT_NULL]
    if not isinstance(value, list):
        return [], [expected_list(value)]
    cleaned: list[JsonObject] = []
    per_line: list[FieldErrors] = []
    for item in value:
        line, errors = validate_line(item, rules)
        cleaned.append(line)
        per_line.append(errors)
    return cleaned, per_line if any(per_line) else None


def validate_line(item: object, rules: LineRules) -> tuple[JsonObject, FieldErrors]:
    if not isinstance(item, dict):
        return {}, {"non_field_errors": [expected_object(item)]}
    errors: FieldErrors = {}
    line: JsonObject = {}

    if "purchase_option_id" in item:
        errors["purchase_option_id"] = [NO_PURCHASE_OPTION_ID]

    sku = item.get("sku")
    if sku is None:
        errors["sku"] = [REQUIRED]
    elif not isinstance(sku, str):
        errors["sku"] = [NOT_STRING]
    elif catalogue.price_of(sku) is None:
        errors["sku"] = [f'Unknown SKU "{sku}"; see GET /api/v1/products/types/ for templates.']
    else:
        line["sku"] = sku

    quantity = as_integer(item.get("quantity"))
    if "quantity" not in item or item["quantity"] is None:
        errors["quantity"] = [REQUIRED]
    elif quantity is None:
        errors["quantity"] = [NOT_INTEGER]
    elif quantity < 1:
        errors["quantity"] = [AT_LEAST_ONE]
    else:
        line["quantity"] = quantity

    sources = [name for name in IMAGE_SOURCES if item.get(name) is not None]
    if len(sources) != 1:
        found = f" (this line has {' and '.join(sources)})" if sources else ""
        errors["non_field_errors"] = [ONE_IMAGE_SOURCE[:-1] + found + "."]
    else:
        source = sources[0]
        message = _check_source(source, item[source], line.get("sku"), rules)
        if message:
            errors[source] = [message]
        else:
            line[source] = item[source]

    if item.get("asset_params") is not None:
        params, params_errors = _validate_asset_params(item["asset_params"])
        if params_errors:
            errors["asset_params"] = params_errors
        else:
            line["asset_params"] = params

    return line, errors


def _check_source(source: str, value: object, sku: str | None, rules: LineRules) -> str | None:
    if not isinstance(value, str):
        return NOT_STRING
    if source == "asset_url":
        return None if _is_http_url(value) else "Enter a valid URL."
    if source == "asset_token":
        asset = rules.store.get_asset(value)
        if asset is None or asset.brand_id != rules.brand_id:
            return "Unknown asset_token; upload the image to a draft first."
        return None
    return _check_preview_option(value, sku, rules)


def _check_preview_option(option_id: str, sku: str | None, rules: LineRules) -> str | None:
    try:
        uuid.UUID(option_id)
    except ValueError:
        return "Must be a valid UUID."
    option = rules.store.get_preview_option(option_id)
    if option is None or option.brand_id != rules.brand_id:
        return "Unknown preview_option_id; copy order_line from the preview's purchase options."
    if option.superseded:
        return EXPIRED_OPTION
    if not rules.options_pinned and rules.now > option.generated_at + rules.option_ttl_seconds:
        return EXPIRED_OPTION
    if option.status != "COMPLETED":
        return "This preview option failed to generate; choose another purchase option."
    if sku is not None and sku not in option.skus:
        # Reported on the option because the pair is wrong; the SKU alone is a valid product.
        return (
            f'SKU "{sku}" is not offered for this preview option; '
            "copy the purchase option's order_line as it is."
        )
    return None


def _is_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _validate_asset_params(value: object) -> tuple[JsonObject, FieldErrors]:
    if not isinstance(value, dict):
        return {}, {"non_field_errors": [expected_object(value)]}
    errors: FieldErrors = {}
    params: JsonObject = {}
    for name in ("source_width", "source_height"):
        if value.get(name) is None:
            continue
        number = as_integer(value[name])
        if number is None:
            errors[name] = [NOT_INTEGER]
        elif number < 1:
            errors[name] = [AT_LEAST_ONE]
        else:
            params[name] = number
    crop_mode = value.get("crop_mode")
    if crop_mode is not None:
        # Only `auto_allowed` has been seen; other values are accepted as opaque strings
        # rather than guessing MGE's full list.
        if not isinstance(crop_mode, str) or not crop_mode.strip():
            errors["crop_mode"] = [NOT_BLANK if isinstance(crop_mode, str) else NOT_STRING]
        else:
            params["crop_mode"] = crop_mode
    return params, errors


# --- shipping ---------------------------------------------------------------------------------


def validate_shipping(value: object) -> tuple[JsonObject | None, Any]:
    """Clean a complete shipping object; the second value is None or its errors."""
    if not isinstance(value, dict):
        return None, {"non_field_errors": [expected_object(value)]}
    errors: FieldErrors = {}
    for wrong, right in SHIPPING_RENAMES.items():
        if wrong in value:
            errors[wrong] = [f"Unknown field; use {right}."]
    shipping: JsonObject = {}
    for name in SHIPPING_FIELDS:
        raw = value.get(name)
        message = _shipping_field_error(name, raw)
        if message:
            errors[name] = [message]
        else:
            assert isinstance(raw, str)
            shipping[name] = raw.strip()
    return (None, errors) if errors else (shipping, None)


def _shipping_field_error(name: str, raw: object) -> str | None:
    if raw is None:
        return REQUIRED
    if not isinstance(raw, str):
        return NOT_STRING
    text = raw.strip()
    if not text:
        return NOT_BLANK
    if name == "email" and ("@" not in text or text.startswith("@") or text.endswith("@")):
        return "Enter a valid email address."
    if name == "country":
        if text.upper() in ISO_ALPHA2 and text != text.upper():
            return f'Use the upper-case ISO 3166-1 alpha-2 code "{text.upper()}".'
        if text not in ISO_ALPHA2:
            return f'"{text}" is not a valid choice; use an ISO 3166-1 alpha-2 code such as "SG".'
    return None
