"""Side effects of the journeys: one Temporal activity per MGE call, over an injected MgeClient.

Errors leave as `ApplicationError`s whose `type` is the `mge.errors` class name (stable, so
workflows and callers can branch on it) and whose details carry MGE's status and field errors.
Transient ones are retried by Temporal (honouring Retry-After); permanent ones are non-retryable.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from pydantic import BaseModel
from temporalio import activity
from temporalio.exceptions import ApplicationError, ApplicationErrorCategory

from mge.client import MgeClient
from mge.errors import MgeError, MgeRateLimited
from mge.images import ImageOpener, ImageRejected, ImageUnavailable
from mge.models import (
    Asset,
    Draft,
    DraftCreate,
    DraftUpdate,
    DraftValidation,
    ImageFacts,
    Order,
    OrderRequest,
    OrderValidation,
    Preview,
    PreviewRequest,
    PurchaseOption,
    UploadedImage,
)

HEARTBEAT_SECONDS = 5.0


class ErrorDetails(BaseModel):
    """What a failed MGE call tells the workflow and, through it, the caller."""

    message: str
    status: int | None = None
    field_errors: dict[str, list[str]] = {}


class AttachImageRequest(BaseModel):
    draft_id: int
    image: str  # a reference (URL or path): the bytes never enter workflow history


class DraftEdit(BaseModel):
    draft_id: int
    update: DraftUpdate


class PreviewPhoto(BaseModel):
    """Create a preview (`preview_id` None) or replace its photo, streaming from `photo`."""

    photo: str
    request: PreviewRequest
    preview_id: str | None = None


class PlaceOrder(BaseModel):
    order: OrderRequest
    #: Derived from the workflow id, never random: a retry must reuse it.
    idempotency_key: str


def application_error(exc: MgeError | ImageRejected | ImageUnavailable) -> ApplicationError:
    """The one place an edge error becomes a Temporal failure."""
    if isinstance(exc, MgeError):
        details = ErrorDetails(
            message=exc.message, status=exc.status, field_errors=exc.field_errors
        )
        delay = None
        if isinstance(exc, MgeRateLimited) and exc.retry_after is not None:
            delay = timedelta(seconds=exc.retry_after)
        return ApplicationError(
            str(exc),
            details.model_dump(),
            type=type(exc).__name__,
            non_retryable=not exc.transient,
            next_retry_delay=delay,
        )
    transient = isinstance(exc, ImageUnavailable) and exc.transient
    return ApplicationError(
        str(exc),
        ErrorDetails(message=str(exc), field_errors={"image": [str(exc)]}).model_dump(),
        type=type(exc).__name__,
        non_retryable=not transient,
    )


@asynccontextmanager
async def as_application_errors() -> AsyncIterator[None]:
    try:
        yield
    except (MgeError, ImageRejected, ImageUnavailable) as exc:
        # No chained cause: Temporal would store its traceback, and MGE's answer may be in it.
        raise application_error(exc) from None


@asynccontextmanager
async def heartbeating(every: float = HEARTBEAT_SECONDS) -> AsyncIterator[None]:
    """Heartbeat while a call runs, so a dead worker's activity is retried within the heartbeat
    timeout rather than the (longer) start-to-close timeout."""

    async def beat() -> None:
        while True:
            activity.heartbeat()
            await asyncio.sleep(every)

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()


class MgeActivities:
    """Registered on the worker as bound methods: `MgeActivities(client, images)`."""

    def __init__(self, client: MgeClient, images: ImageOpener) -> None:
        self._mge = client
        self._images = images

    @activity.defn(name="mge.create_draft")
    async def create_draft(self, draft: DraftCreate) -> Draft:
        async with as_application_errors():
            return await self._mge.create_draft(draft)

    @activity.defn(name="mge.get_draft")
    async def get_draft(self, draft_id: int) -> Draft:
        async with as_application_errors():
            return await self._mge.get_draft(draft_id)

    @activity.defn(name="mge.update_draft")
    async def update_draft(self, edit: DraftEdit) -> Draft:
        async with as_application_errors():
            return await self._mge.update_draft(edit.draft_id, edit.update)

    @activity.defn(name="mge.attach_image")
    async def attach_image(self, request: AttachImageRequest) -> UploadedImage:
        """Probe the image, then stream it to the draft's assets."""
        async with as_application_errors(), heartbeating():
            async with self._images.open(request.image) as image:
                asset: Asset = await self._mge.upload_draft_asset(request.draft_id, image)
            return UploadedImage(
                asset_token=asset.asset_token,
                content_type=image.probe.content_type,
                width=image.probe.width,
                height=image.probe.height,
                size=asset.size if asset.size is not None else image.probe.size,
            )

    @activity.defn(name="mge.validate_draft")
    async def validate_draft(self, draft_id: int) -> DraftValidation:
        async with as_application_errors():
            return await self._mge.validate_draft(draft_id)

    @activity.defn(name="mge.submit_draft")
    async def submit_draft(self, draft_id: int) -> Order:
        """Submit exactly once. A retry follows an ambiguous failure (timeout, lost answer, dead
        worker), so it reads the draft first: if MGE already made the order, that is the answer."""
        async with as_application_errors(), heartbeating():
            if activity.info().attempt > 1:
                draft = await self._mge.get_draft(draft_id)
                if draft.submitted_order_id:
                    activity.logger.info("submit already applied; reading the order")
                    return await self._mge.get_order(draft.submitted_order_id)
            return await self._mge.submit_draft(draft_id)

    @activity.defn(name="mge.probe_image")
    async def probe_image(self, image: str) -> ImageFacts:
        """Read just the head of an image MGE will fetch itself, to learn its size and to refuse
        an unreadable or too small one before ordering."""
        async with as_application_errors():
            probe = await self._images.probe(image)
            return ImageFacts(
                content_type=probe.content_type,
                width=probe.width,
                height=probe.height,
                size=probe.size,
            )

    @activity.defn(name="mge.send_preview_photo")
    async def send_preview_photo(self, upload: PreviewPhoto) -> Preview:
        async with (
            as_application_errors(),
            heartbeating(),
            self._images.open(upload.photo) as photo,
        ):
            if upload.preview_id is None:
                return await self._mge.create_preview(upload.request, photo)
            return await self._mge.replace_preview_photo(upload.preview_id, photo)

    @activity.defn(name="mge.wait_for_preview")
    async def wait_for_preview(self, preview_id: str) -> Preview:
        """One look at the preview. While MGE is still generating, fail retryably: Temporal's
        retry backoff spaces the polls, and the workflow's history records only the outcome."""
        async with as_application_errors():
            preview = await self._mge.get_preview(preview_id)
        if preview.is_failed:
            reason = preview.failure_reason or "MGE could not generate the preview"
            raise ApplicationError(
                reason,
                ErrorDetails(message=reason, field_errors={"photo": [reason]}).model_dump(),
                type="PreviewFailed",
                non_retryable=True,
            )
        if not preview.is_ready:
            # Benign: an expected retry, logged at debug level and kept out of failure metrics.
            raise ApplicationError(
                f"preview is {preview.status}",
                type="PreviewNotReady",
                category=ApplicationErrorCategory.BENIGN,
            )
        return preview

    @activity.defn(name="mge.get_purchase_options")
    async def get_purchase_options(self, preview_id: str) -> list[PurchaseOption]:
        async with as_application_errors():
            return await self._mge.get_purchase_options(preview_id)

    @activity.defn(name="mge.create_order")
    async def create_order(self, place: PlaceOrder) -> Order:
        async with as_application_errors(), heartbeating():
            return await self._mge.create_order(place.order, idempotency_key=place.idempotency_key)

    @activity.defn(name="mge.validate_order")
    async def validate_order(self, order: OrderRequest) -> OrderValidation:
        async with as_application_errors():
            return await self._mge.validate_order(order)

    @activity.defn(name="mge.delete_draft")
    async def delete_draft(self, draft_id: int) -> bool:
        async with as_application_errors():
            return await self._mge.delete_draft(draft_id)

    @activity.defn(name="mge.get_order")
    async def get_order(self, order_id: str) -> Order:
        async with as_application_errors():
            return await self._mge.get_order(order_id)

    def all(self) -> list[Any]:
        """Every activity of this class, for `Worker(activities=...)`."""
        return [
            self.create_draft,
            self.get_draft,
            self.update_draft,
            self.attach_image,
            self.validate_draft,
            self.submit_draft,
            self.delete_draft,
            self.get_order,
            self.probe_image,
            self.send_preview_photo,
            self.wait_for_preview,
            self.get_purchase_options,
            self.create_order,
            self.validate_order,
        ]
