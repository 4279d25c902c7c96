"""`MgeClient`: one async method per MGE endpoint (mge-api.md §2), nothing about Temporal.

Every failure becomes a precise `mge.errors` class; the client never retries by itself (the caller
decides, e.g. Temporal activity retries) and never logs bodies, headers or the API key.
"""

from __future__ import annotations

import email.utils
import secrets
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
import structlog
from pydantic import BaseModel, ValidationError

from mge.errors import (
    MgeConflict,
    MgeError,
    MgeForbidden,
    MgeMethodNotAllowed,
    MgeNotFound,
    MgePreviewOptionExpired,
    MgeRateLimited,
    MgeTransportError,
    MgeUnauthorized,
    MgeUnavailable,
    MgeUnexpectedResponse,
    MgeValidationError,
    flatten_field_errors,
)
from mge.images import ImageStream
from mge.models import (
    Asset,
    Brand,
    Draft,
    DraftCreate,
    DraftUpdate,
    DraftValidation,
    LineQuote,
    Order,
    OrderRequest,
    OrderValidation,
    Page,
    Preview,
    PreviewRequest,
    Price,
    ProductType,
    PurchaseOption,
    Variant,
)
from mge.settings import MgeSettings

log = structlog.get_logger("mge.client")
M = TypeVar("M", bound=BaseModel)

# [assumed] mge-api.md §5: the words MGE uses when an ordered preview option has expired.
EXPIRED_OPTION_MARKER = "has expired"
# [assumed] mge-api.md §6: the multipart field names of uploads.
ASSET_FILE_FIELD = "file"
PREVIEW_IMAGE_FIELD = "image"


class MgeClient:
    """Async client for MGE's B2B API. Use as `async with MgeClient(settings) as mge: ...`."""

    def __init__(
        self, settings: MgeSettings, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._http = httpx.AsyncClient(
            base_url=str(settings.base_url),
            headers={
                "Authorization": f"Bearer {settings.api_key.get_secret_value()}",
                "Accept": "application/json",
                "User-Agent": "mgeflow",
            },
            timeout=httpx.Timeout(
                connect=settings.connect_timeout,
                read=settings.read_timeout,
                write=settings.write_timeout,
                pool=settings.pool_timeout,
            ),
            limits=httpx.Limits(
                max_connections=settings.max_connections,
                max_keepalive_connections=settings.max_keepalive_connections,
            ),
            transport=transport,
        )

    async def __aenter__(self) -> MgeClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- account and catalogue ------------------------------------------------------------------

    async def list_brands(self) -> list[Brand]:
        return [b async for b in self._all_pages("account/brands/", Brand)]

    async def list_product_types(self) -> list[ProductType]:
        return [t async for t in self._all_pages("products/types/", ProductType)]

    async def get_product_type(self, code: str) -> ProductType:
        return await self._get(f"products/types/{code}/", ProductType)

    async def list_variants(self, code: str, product_type: str = "VF") -> list[Variant]:
        path = f"products/types/{code}/variants/"
        return [v async for v in self._all_pages(path, Variant, {"product_type": product_type})]

    async def list_prices(self) -> list[Price]:
        return [p async for p in self._all_pages("products/pricing/", Price)]

    async def get_preview_option_axes(self) -> dict[str, Any]:
        response = await self._send("GET", "preview/options/")
        return _json_object(response, "GET", "preview/options/")

    # -- previews -------------------------------------------------------------------------------

    async def create_preview(self, request: PreviewRequest, image: ImageStream) -> Preview:
        return await self._upload(
            "POST", "preview/", request.form_fields(), PREVIEW_IMAGE_FIELD, image, Preview
        )

    async def get_preview(self, preview_id: str) -> Preview:
        return await self._get(f"preview/{preview_id}/", Preview)

    async def replace_preview_photo(self, preview_id: str, image: ImageStream) -> Preview:
        return await self._upload(
            "PUT", f"preview/{preview_id}/", [], PREVIEW_IMAGE_FIELD, image, Preview
        )

    async def get_purchase_options(self, preview_id: str) -> list[PurchaseOption]:
        path = f"preview/{preview_id}/purchase-options/"
        return _parse_list(PurchaseOption, await self._send("GET", path), "GET", path)

    # -- orders ---------------------------------------------------------------------------------

    async def create_order(self, order: OrderRequest, *, idempotency_key: str) -> Order:
        """`POST orders/`. The key is required: the same key and body always yield the same
        order [assumed, mge-api.md §7], which is what makes a retry after a lost answer safe.
        Derive it from something stable (a workflow id), never from a random value."""
        if not idempotency_key:
            raise ValueError("idempotency_key must be a non-empty stable string")
        response = await self._send(
            "POST", "orders/", json=_body(order), headers={"Idempotency-Key": idempotency_key}
        )
        return _parse(Order, response, "POST", "orders/")

    async def validate_order(self, order: OrderRequest) -> OrderValidation:
        """Dry run: MGE checks the body and creates nothing."""
        path = "orders/validate/"
        result = _parse(
            OrderValidation, await self._send("POST", path, json=_body(order)), "POST", path
        )
        _raise_unless_valid(result.valid, result.line_items, "the order is not valid", path)
        return result

    async def get_order(self, order_id: str) -> Order:
        return await self._get(f"orders/{order_id}/", Order)

    # -- drafts ---------------------------------------------------------------------------------

    async def list_drafts(
        self, *, status: str | None = None, brand_id: int | None = None, page: int = 1
    ) -> Page[Draft]:
        """One page of drafts [assumed: DRF pagination, mge-api.md §6]."""
        params: dict[str, Any] = {"page": page}
        if status:
            params["status"] = status
        if brand_id is not None:
            params["brand_id"] = brand_id
        response = await self._send("GET", "order-drafts/", params=params)
        return _parse(Page[Draft], response, "GET", "order-drafts/")

    async def create_draft(self, draft: DraftCreate) -> Draft:
        response = await self._send("POST", "order-drafts/", json=_body(draft))
        return _parse(Draft, response, "POST", "order-drafts/")

    async def get_draft(self, draft_id: int) -> Draft:
        return await self._get(f"order-drafts/{draft_id}/", Draft)

    async def update_draft(self, draft_id: int, update: DraftUpdate) -> Draft:
        path = f"order-drafts/{draft_id}/"
        response = await self._send("PATCH", path, json=_body(update))
        return _parse(Draft, response, "PATCH", path)

    async def delete_draft(self, draft_id: int) -> bool:
        """Discard an unsubmitted draft. False when MGE does not support it (or it is already
        gone): the contract leaves deletion [assumed], so callers note it and go on."""
        try:
            await self._send("DELETE", f"order-drafts/{draft_id}/")
        except (MgeNotFound, MgeMethodNotAllowed):
            return False
        return True

    async def upload_draft_asset(self, draft_id: int, image: ImageStream) -> Asset:
        path = f"order-drafts/{draft_id}/assets/"
        return await self._upload("POST", path, [], ASSET_FILE_FIELD, image, Asset)

    async def attach_draft_asset_from_url(self, draft_id: int, url: str) -> Asset:
        path = f"order-drafts/{draft_id}/assets/from-url/"
        return _parse(Asset, await self._send("POST", path, json={"url": url}), "POST", path)

    async def validate_draft(self, draft_id: int) -> DraftValidation:
        """Validate; a valid draft becomes READY with frozen prices and a payment window.
        A 200 answer with `valid: false` is raised as `MgeValidationError` like a 400."""
        path = f"order-drafts/{draft_id}/validate/"
        result = _parse(DraftValidation, await self._send("POST", path), "POST", path)
        _raise_unless_valid(result.valid, result.line_items, "the draft is not valid", path)
        return result

    async def submit_draft(self, draft_id: int) -> Order:
        """Turn the draft into an order. Idempotent on MGE's side: submitting again returns the
        same order [observed]."""
        path = f"order-drafts/{draft_id}/submit/"
        return _parse(Order, await self._send("POST", path), "POST", path)

    # -- plumbing -------------------------------------------------------------------------------

    async def _get(self, path: str, model: type[M]) -> M:
        return _parse(model, await self._send("GET", path), "GET", path)

    async def _all_pages(
        self, path: str, model: type[M], params: dict[str, Any] | None = None
    ) -> AsyncIterator[M]:
        page = 1
        while True:
            response = await self._send("GET", path, params={**(params or {}), "page": page})
            data = response.json()
            if isinstance(data, list):  # an unpaginated list is fine too
                for item in _parse_list(model, response, "GET", path):
                    yield item
                return
            parsed = _parse(Page[model], response, "GET", path)  # type: ignore[valid-type]
            for item in parsed.results:
                yield item
            if not parsed.next:
                return
            page += 1

    async def _upload(
        self,
        method: str,
        path: str,
        fields: list[tuple[str, str]],
        file_field: str,
        image: ImageStream,
        model: type[M],
    ) -> M:
        boundary = secrets.token_hex(16)
        head, tail = _multipart_frame(boundary, fields, file_field, image)
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        if image.probe.size is not None:
            headers["Content-Length"] = str(len(head) + image.probe.size + len(tail))

        async def body() -> AsyncIterator[bytes]:
            yield head
            async for chunk in image.chunks():
                yield chunk
            yield tail

        response = await self._send(method, path, content=body(), headers=headers)
        return _parse(model, response, method, path)

    async def _send(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        content: AsyncIterator[bytes] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        started = time.perf_counter()
        try:
            response = await self._http.request(
                method, path, json=json, params=params, content=content, headers=headers
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise MgeTransportError(
                f"could not reach MGE ({type(exc).__name__})",
                maybe_applied=False,
                method=method,
                path=path,
            ) from exc
        except httpx.TimeoutException as exc:
            raise MgeTransportError(
                f"no answer in time ({type(exc).__name__}); the request may have been applied",
                maybe_applied=True,
                method=method,
                path=path,
            ) from exc
        except httpx.TransportError as exc:
            raise MgeTransportError(
                f"connection lost before MGE answered ({type(exc).__name__}); "
                "the request may have been applied",
                maybe_applied=True,
                method=method,
                path=path,
            ) from exc
        log.debug(
            "mge.request",
            method=method,
            path=path,
            status=response.status_code,
            ms=round((time.perf_counter() - started) * 1000, 1),
        )
        if response.is_success:
            return response
        raise _error_for(response, method, path)


# -- helpers (module level: pure functions of a response) -----------------------------------------


def _body(model: BaseModel) -> Any:
    return model.model_dump(mode="json", exclude_none=True)


def _multipart_frame(
    boundary: str, fields: list[tuple[str, str]], file_field: str, image: ImageStream
) -> tuple[bytes, bytes]:
    """The bytes before and after the file's own bytes in a multipart/form-data body."""
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields
    ]
    parts.append(
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="{file_field}"; filename="{image.probe.filename}"'
        f"\r\nContent-Type: {image.probe.content_type}\r\n\r\n"
    )
    return "".join(parts).encode(), f"\r\n--{boundary}--\r\n".encode()


def _parse(model: type[M], response: httpx.Response, method: str, path: str) -> M:
    try:
        return model.model_validate(response.json())
    except (ValueError, ValidationError) as exc:
        raise MgeUnexpectedResponse(
            f"the answer does not match the contract for {model.__name__}",
            method=method,
            path=path,
            status=response.status_code,
        ) from exc


def _parse_list(model: type[M], response: httpx.Response, method: str, path: str) -> list[M]:
    """A list answer, plain or DRF-paginated (`results`)."""
    try:
        data = response.json()
        items = data["results"] if isinstance(data, dict) else data
        return [model.model_validate(item) for item in items]
    except (ValueError, KeyError, TypeError, ValidationError) as exc:
        raise MgeUnexpectedResponse(
            f"the answer is not a list of {model.__name__}",
            method=method,
            path=path,
            status=response.status_code,
        ) from exc


def _json_object(response: httpx.Response, method: str, path: str) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise MgeUnexpectedResponse(
            "expected a JSON object", method=method, path=path, status=response.status_code
        )
    return data


def _validation_error(
    message: str, field_errors: dict[str, list[str]], method: str, path: str
) -> MgeValidationError:
    expired = any(EXPIRED_OPTION_MARKER in m for ms in field_errors.values() for m in ms)
    cls = MgePreviewOptionExpired if expired else MgeValidationError
    if expired:
        message = "a preview option has expired: create a fresh preview before ordering"
    return cls(message, method=method, path=path, status=400, field_errors=field_errors)


def _raise_unless_valid(valid: bool, lines: list[LineQuote], message: str, path: str) -> None:
    """MGE's validations may answer 200 with `valid: false`: that is a refusal like a 400."""
    if not valid:
        errors = {f"line_items[{q.index}]": [str(e) for e in q.errors] for q in lines if q.errors}
        raise _validation_error(message, errors, "POST", path)


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: an integer, or an HTTP date [assumed, mge-api.md §7]."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _error_for(response: httpx.Response, method: str, path: str) -> MgeError:
    """Map an MGE error answer to its class [assumed: DRF error bodies, mge-api.md §7]."""
    status = response.status_code
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    detail = body.get("detail") if isinstance(body, dict) else None
    if body is None and status == 404:
        message = (
            "MGE has no such endpoint (non-JSON 404): check that the base URL ends in /api/v1/"
        )
    else:
        message = str(detail) if detail else response.reason_phrase or f"HTTP {status}"
    where: dict[str, Any] = {"method": method, "path": path, "status": status}
    if status == 400:
        field_errors = flatten_field_errors(body) if body is not None else {}
        return _validation_error("MGE refused the request", field_errors, method, path)
    if status == 429:
        return MgeRateLimited(
            message, retry_after=_retry_after(response.headers.get("Retry-After")), **where
        )
    if status in (408, 425) or status >= 500:
        return MgeUnavailable(message, **where)
    by_status: dict[int, type[MgeError]] = {
        401: MgeUnauthorized,
        403: MgeForbidden,
        404: MgeNotFound,
        405: MgeMethodNotAllowed,
        409: MgeConflict,
    }
    return by_status.get(status, MgeUnexpectedResponse)(message, **where)
