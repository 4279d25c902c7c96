"""Account and catalogue reads: brands, product types, variants, prices, preview axes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from sandbox import catalogue
from sandbox.auth import Authenticated
from sandbox.errors import NotFound
from sandbox.pagination import paginate
from sandbox.state import SandboxState, get_state

router = APIRouter(prefix="/api/v1", tags=["catalogue"])
State = Annotated[SandboxState, Depends(get_state)]


@router.get("/account/brands/")
async def list_brands(request: Request, key: Authenticated, state: State) -> dict[str, Any]:
    rows = [brand.as_json() for brand in key.brands]
    return paginate(request, rows, state.config.page_size)


@router.get("/products/types/")
async def list_product_types(request: Request, _: Authenticated, state: State) -> dict[str, Any]:
    rows = [product.as_json() for product in catalogue.PRODUCTS.values()]
    return paginate(request, rows, state.config.page_size)


@router.get("/products/types/{code}/")
async def get_product_type(code: str, _: Authenticated) -> dict[str, Any]:
    product = catalogue.PRODUCTS.get(code.upper())
    if product is None:
        raise NotFound()
    return product.as_json()


@router.get("/products/types/{code}/variants/")
async def list_variants(
    request: Request,
    code: str,
    _: Authenticated,
    state: State,
    product_type: str | None = None,
) -> dict[str, Any]:
    product = catalogue.PRODUCTS.get(code.upper())
    if product is None:
        raise NotFound()
    rows = [
        variant.as_json()
        for variant in catalogue.VARIANTS_BY_SKU.values()
        if variant.product == product.code
        and (product_type is None or variant.product_type == product_type.upper())
    ]
    return paginate(request, rows, state.config.page_size)


@router.get("/products/pricing/")
async def list_prices(request: Request, _: Authenticated, state: State) -> dict[str, Any]:
    rows = [
        {
            "sku": variant.sku,
            "unit_price": catalogue.money(variant.unit_price),
            "currency": catalogue.CURRENCY,
        }
        for variant in catalogue.VARIANTS_BY_SKU.values()
    ]
    return paginate(request, rows, state.config.page_size)


@router.get("/preview/options/")
async def preview_option_axes(_: Authenticated) -> dict[str, Any]:
    return catalogue.PREVIEW_OPTION_AXES
