"""Previews: upload a photo, poll the generation, list the purchase options."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from starlette.concurrency import run_in_threadpool

from sandbox import catalogue, clock, previews
from sandbox.auth import Authenticated, authenticate, require_scope
from sandbox.catalogue import ApiKey
from sandbox.errors import Conflict, FieldErrors, NotFound, ValidationFailed
from sandbox.images import file_size, probe_photo
from sandbox.records import Photo, Preview
from sandbox.state import SandboxState, get_state
from sandbox.validation import as_integer, read_brand_id

router = APIRouter(prefix="/api/v1", tags=["previews"])
State = Annotated[SandboxState, Depends(get_state)]


def mockup_creator(key: Annotated[ApiKey, Depends(authenticate)]) -> ApiKey:
    # A dependency, so a key without the scope gets 403 before its form is even validated.
    require_scope(key, catalogue.MOCKUP_CREATE)
    return key


MockupCreator = Annotated[ApiKey, Depends(mockup_creator)]


@router.post("/preview/", status_code=201)
async def create_preview(
    request: Request,
    key: MockupCreator,
    state: State,
    image: Annotated[UploadFile, File(description="The customer's photo.")],
    brand_id: Annotated[str, Form()],
    products: Annotated[list[str], Form(description="Repeat the field per product code.")],
    comparison_count: Annotated[str | None, Form()] = None,
    auto_enhance: Annotated[bool, Form()] = False,
    auto_crop: Annotated[bool, Form()] = False,
    preferred_size: Annotated[str | None, Form()] = None,
    preview_options: Annotated[
        str | None, Form(description='JSON, e.g. {"DOT":[{"variant":"drama"}]}')
    ] = None,
) -> dict[str, Any]:
    brand = read_brand_id(brand_id, key)
    errors: FieldErrors = {}
    chosen_products = _products(products, errors)
    size = _preferred_size(preferred_size, errors)
    count = _comparison_count(comparison_count, errors)
    variants = _variants(preview_options, chosen_products, errors)
    photo = await _photo(image, state, errors)
    if errors or photo is None:
        raise ValidationFailed(errors)

    now = clock.now()
    preview = Preview(
        id=str(uuid.uuid4()),
        brand_id=brand,
        products=chosen_products,
        variants=variants,
        preferred_size=size,
        comparison_count=count,
        auto_enhance=auto_enhance,
        auto_crop=auto_crop,
        created_at=now,
        updated_at=now,
        uploaded_at=now,
        photo=photo,
    )
    state.store.insert_preview(preview)
    return _preview_body(request, state, preview)


@router.get("/preview/{preview_id}/")
async def get_preview(
    request: Request, preview_id: str, key: Authenticated, state: State
) -> dict[str, Any]:
    preview = _find(state, key, preview_id)
    return _preview_body(request, state, preview)


@router.put("/preview/{preview_id}/")
async def replace_preview_photo(
    request: Request,
    preview_id: str,
    key: MockupCreator,
    state: State,
    image: Annotated[UploadFile, File(description="The replacement photo.")],
) -> dict[str, Any]:
    preview = _find(state, key, preview_id)
    errors: FieldErrors = {}
    photo = await _photo(image, state, errors)
    if photo is None:
        raise ValidationFailed(errors)
    previews.replace_photo(preview, photo, state.store, clock.now())
    return _preview_body(request, state, preview)


@router.get("/preview/{preview_id}/purchase-options/")
async def purchase_options(
    request: Request, preview_id: str, key: Authenticated, state: State
) -> dict[str, Any]:
    preview = _find(state, key, preview_id)
    now = clock.now()
    previews.advance(preview, state.store, state.config, now)
    status = previews.status_of(preview, state.config, now)
    if status == previews.FAILED:
        raise Conflict(f"Preview failed: {preview.failure_reason}")
    if status not in previews.READY_STATUSES:
        raise Conflict("Preview is not ready.")
    options = state.store.preview_options_of(preview)
    rows = previews.purchase_rows(preview, options, state.config, str(request.base_url))
    return {"preview_id": preview.id, "status": status, "results": rows}


def _find(state: SandboxState, key: ApiKey, preview_id: str) -> Preview:
    preview = state.store.get_preview(preview_id)
    if preview is None or not key.may_act_for(preview.brand_id):
        raise NotFound()
    return preview


def _preview_body(request: Request, state: SandboxState, preview: Preview) -> dict[str, Any]:
    now = clock.now()
    previews.advance(preview, state.store, state.config, now)
    options = state.store.preview_options_of(preview)
    return previews.preview_json(preview, options, state.config, now, str(request.base_url))


def _products(values: list[str], errors: FieldErrors) -> list[str]:
    chosen: list[str] = []
    for value in values:
        code = value.strip().upper()
        if code not in catalogue.PRODUCTS:
            errors.setdefault("products", []).append(f'"{value}" is not a valid choice.')
        elif code not in catalogue.ORDERABLE_PRODUCTS:
            errors.setdefault("products", []).append(f'"{value}" has no previews.')
        elif code not in chosen:
            chosen.append(code)
    if not chosen and "products" not in errors:
        errors["products"] = ["This field is required."]
    return chosen


def _preferred_size(value: str | None, errors: FieldErrors) -> str:
    if value is None or not value.strip():
        return catalogue.DEFAULT_SIZE
    size = value.strip().upper()
    if size not in catalogue.SIZES:
        errors["preferred_size"] = [f'"{value}" is not a valid choice.']
    return size


def _comparison_count(value: str | None, errors: FieldErrors) -> int | None:
    if value is None or not value.strip():
        return None
    count = as_integer(value)
    if count is None:
        errors["comparison_count"] = ["A valid integer is required."]
    elif count < 0:
        errors["comparison_count"] = ["Ensure this value is greater than or equal to 0."]
    return count


def _variants(raw: str | None, products: list[str], errors: FieldErrors) -> dict[str, list[str]]:
    """Requested style variants per product; `source` alone where none are asked for."""
    default = [catalogue.DEFAULT_PREVIEW_VARIANT]
    variants = {product: list(default) for product in products}
    if raw is None or not raw.strip():
        return variants
    try:
        requested = json.loads(raw)
    except ValueError:
        errors["preview_options"] = ["Value must be valid JSON."]
        return variants
    if not isinstance(requested, dict):
        errors["preview_options"] = ['Expected an object such as {"DOT": [{"variant": "drama"}]}.']
        return variants
    problems: list[str] = []
    for product, entries in requested.items():
        code = str(product).upper()
        if code not in variants:
            problems.append(f'"{product}" is not one of the requested products.')
            continue
        names = _variant_names(entries)
        if names is None:
            problems.append(f'"{product}" must be a non-empty list of {{"variant": ...}} objects.')
            continue
        unknown = [name for name in names if name not in catalogue.PREVIEW_VARIANTS]
        if unknown:
            problems.append(f'"{unknown[0]}" is not a valid variant for {code}.')
            continue
        variants[code] = list(dict.fromkeys(names))
    if problems:
        errors["preview_options"] = problems
    return variants


def _variant_names(entries: object) -> list[str] | None:
    if not isinstance(entries, list) or not entries:
        return None
    names = [entry.get("variant") for entry in entries if isinstance(entry, dict)]
    if len(names) != len(entries) or not all(isinstance(name, str) for name in names):
        return None
    return [str(name) for name in names]


async def _photo(image: UploadFile, state: SandboxState, errors: FieldErrors) -> Photo | None:
    """Probe the spooled upload off the event loop; None (with an error) when it is too big."""
    limit = state.config.max_upload_bytes
    size = await run_in_threadpool(file_size, image.file)
    if size > limit:
        errors["image"] = [f"The photo is {size} bytes; the maximum is {limit} bytes."]
        return None
    if size == 0:
        errors["image"] = ["The submitted file is empty."]
        return None
    return await run_in_threadpool(probe_photo, image.file, image.content_type)
