"""DraftOrderWorkflow: a shopper's cart as a durable journey ending in exactly one MGE order or a
clean abandonment (id `draft/{brand_id}/{reference}`).

create MGE draft -> edits (updates, each reaching MGE before it returns) -> validate (READY, quote)
-> submit -> SUBMITTED. Other endings: ABANDONED (idle timer), DISCARDED (caller), FAILED (MGE
refused the submit for good). Deterministic orchestration only: every side effect is an activity.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.mge_activities import AttachImageRequest, DraftEdit, MgeActivities
    from mge.models import AssetParams, DraftCreate, DraftUpdate, DraftValidation
    from workflows.activity_options import BACKGROUND, EDIT, ORDER, UPLOAD, ActivityOptions
    from workflows.common import FIXABLE, caller_error, error_info, follow_order, publish
    from workflows.messages import (
        EDITABLE,
        ENDED,
        STAGE_OF_ORDER_STATUS,
        AttachImage,
        Discard,
        DraftOrderInput,
        DraftOrderState,
        OrderSummary,
        Quote,
        QuoteLine,
        SetLines,
        SetShipping,
        Stage,
        UploadedImage,
    )


@workflow.defn
class DraftOrderWorkflow:
    @workflow.init
    def __init__(self, input: DraftOrderInput) -> None:
        now = workflow.now()
        self.state = input.state or DraftOrderState(
            brand_id=input.brand_id,
            reference=input.reference,
            idle_timeout=input.idle_timeout,
            follow_up=input.follow_up,
            lines=input.lines,
            created_at=now,
            last_activity_at=now,
        )
        self._lock = asyncio.Lock()  # one MGE edit at a time, in arrival order
        self._touches = 0  # bumped by each accepted edit; wakes the idle timer

    # -- the journey ----------------------------------------------------------------------------

    @workflow.run
    async def run(self, input: DraftOrderInput) -> DraftOrderState:
        self._publish()
        if self.state.draft_id is None and not await self._create_draft():
            await workflow.wait_condition(workflow.all_handlers_finished)
            return self.state
        while self.state.stage not in ENDED:
            if self._should_continue_as_new():
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(
                    DraftOrderInput(
                        brand_id=self.state.brand_id,
                        reference=self.state.reference,
                        idle_timeout=self.state.idle_timeout,
                        follow_up=self.state.follow_up,
                        state=self.state,
                    )
                )
            await self._wait_for_edit_or_idle()
        if self.state.order is not None and self.state.follow_up.enabled:
            await follow_order(
                self.state.order, self.state.follow_up, self._order_changed, self._note
            )
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.state

    async def _create_draft(self) -> bool:
        # While MGE is down the cart waits to exist, as long as a shopper would wait.
        create: ActivityOptions = {
            **BACKGROUND,
            "schedule_to_close_timeout": self.state.idle_timeout,
        }
        try:
            draft = await workflow.execute_activity_method(
                MgeActivities.create_draft,
                DraftCreate(
                    brand_id=self.state.brand_id,
                    reference_id=self.state.reference,
                    line_items=self.state.lines,
                ),
                **create,
            )
        except ActivityError as error:
            self._fail(caller_error(error))
            return False
        self.state.draft_id = draft.id
        self.state.stage = Stage.OPEN
        self._publish()
        return True

    async def _wait_for_edit_or_idle(self) -> None:
        touches = self._touches
        if self.state.stage not in EDITABLE:  # submitting: the submit handler decides what follows
            await workflow.wait_condition(lambda: self.state.stage != Stage.SUBMITTING)
            return
        idle_for = self.state.last_activity_at + self.state.idle_timeout - workflow.now()
        try:
            await workflow.wait_condition(
                lambda: (
                    self._touches != touches
                    or self.state.stage not in EDITABLE
                    or self._should_continue_as_new()
                ),
                timeout=max(idle_for, timedelta(seconds=1)),
            )
        except TimeoutError:
            if self._lock.locked():  # an edit outlasted the idle timeout; it touched the timer
                await workflow.wait_condition(lambda: not self._lock.locked())
            elif self.state.stage in EDITABLE:
                await self._abandon()

    def _should_continue_as_new(self) -> bool:
        return workflow.info().is_continue_as_new_suggested() and not self._lock.locked()

    async def _abandon(self) -> None:
        async with self._lock:
            self._note("idle timeout: the shopper left")
            self._end(Stage.ABANDONED)
            await self._discard_draft(BACKGROUND)

    def _end(self, stage: Stage) -> None:
        """The cart ends before its draft is deleted, so nothing waits on MGE to learn it."""
        self.state.stage = stage
        self._publish()

    async def _discard_draft(self, options: ActivityOptions) -> None:
        """Best effort: MGE may not support deleting drafts (the sweep reports leftovers)."""
        if self.state.draft_id is None:
            return
        try:
            deleted = await workflow.execute_activity_method(
                MgeActivities.delete_draft, self.state.draft_id, **options
            )
        except ActivityError as error:
            self._note(f"the MGE draft could not be discarded: {caller_error(error).message}")
            return
        if not deleted:
            self._note("MGE does not support discarding drafts; the draft was left as it is")

    # -- messages -------------------------------------------------------------------------------

    @workflow.query
    def view(self) -> DraftOrderState:
        return self.state

    @workflow.update
    async def opened(self) -> DraftOrderState:
        """Answers once the MGE draft exists: with update-with-start, "open this cart" is one
        idempotent call."""
        await self._draft_created()
        return self.state

    @workflow.update
    async def attach_image(self, request: AttachImage) -> UploadedImage:
        async with self._editing():
            image = await workflow.execute_activity_method(
                MgeActivities.attach_image,
                AttachImageRequest(draft_id=self._draft_id(), image=request.image),
                **UPLOAD,
            )
            self.state.images.append(image)
            if request.line is not None:
                if request.line >= len(self.state.lines):  # lines changed while this waited
                    raise ApplicationError(
                        f"line {request.line} no longer exists; the image was uploaded as "
                        f"{image.asset_token}: set the lines with it",
                        type="LineGone",
                        non_retryable=True,
                    )
                lines = list(self.state.lines)
                lines[request.line] = lines[request.line].model_copy(
                    update={
                        "asset_url": None,
                        "preview_option_id": None,
                        "asset_token": image.asset_token,
                        "asset_params": AssetParams(
                            source_width=image.width,
                            source_height=image.height,
                            crop_mode=request.crop_mode,
                        ),
                    }
                )
                await self._patch(DraftUpdate(line_items=lines))
                self.state.lines = lines
            return image

    @attach_image.validator
    def _check_attach_image(self, request: AttachImage) -> None:
        self._require_editable()
        if request.line is not None and request.line >= len(self.state.lines):
            raise ValueError(
                f"line {request.line} does not exist: the cart has {len(self.state.lines)} "
                "line(s); set the lines first or attach without `line`"
            )

    @workflow.update
    async def set_lines(self, request: SetLines) -> DraftOrderState:
        async with self._editing():
            await self._patch(DraftUpdate(line_items=request.lines))
            self.state.lines = list(request.lines)
            return self.state

    @set_lines.validator
    def _check_set_lines(self, request: SetLines) -> None:
        self._require_editable()
        known = {image.asset_token for image in self.state.images}
        for index, line in enumerate(request.lines):
            if line.asset_token is not None and line.asset_token not in known:
                raise ValueError(
                    f"lines[{index}].asset_token was not attached to this cart: attach the image "
                    "first (attach_image) and use the token it returns"
                )

    @workflow.update
    async def set_shipping(self, request: SetShipping) -> DraftOrderState:
        async with self._editing():
            await self._patch(DraftUpdate(shipping=request.shipping))
            self.state.shipping_set = True
            return self.state

    @set_shipping.validator
    def _check_set_shipping(self, request: SetShipping) -> None:
        self._require_editable()

    @workflow.update
    async def validate(self) -> Quote:
        async with self._editing():
            return await self._validate()

    @validate.validator
    def _check_validate(self) -> None:
        self._require_editable()
        self._require_complete()

    @workflow.update
    async def submit(self) -> OrderSummary:
        await self._draft_created()
        async with self._lock:
            if self.state.order is not None:  # a repeated submit answers the same order
                return self.state.order
            self._require_editable_error()
            self._touch()
            if self._quote_expired():
                self._note("payment window passed: validating again before submit")
                await self._validate()
            draft_id = self._draft_id()
            self.state.stage = Stage.SUBMITTING
            self._publish()
            try:
                order = await workflow.execute_activity_method(
                    MgeActivities.submit_draft, draft_id, **ORDER
                )
            except ActivityError as error:
                failure = caller_error(error)
                if failure.type in FIXABLE:
                    self.state.stage = Stage.OPEN
                    self._record(failure)
                else:
                    self._fail(failure)
                self._publish()
                raise failure from None
            self.state.order = OrderSummary.of(order)
            self.state.stage = Stage.SUBMITTED
            self._publish()
            return self.state.order

    @submit.validator
    def _check_submit(self) -> None:
        if self.state.order is not None or self.state.stage == Stage.SUBMITTING:
            return
        self._require_editable()
        self._require_complete()

    @workflow.update
    async def discard(self, request: Discard | None = None) -> DraftOrderState:
        await self._draft_created()
        async with self._lock:
            self._require_editable_error()
            if request is not None and self._active_since(request):
                raise ApplicationError(
                    "the cart changed meanwhile; it stays open", type="CartActive"
                )
            if request is not None and request.reason:
                # Partner text: kept in the view, never logged (it could name a person).
                self.state.notes.append(f"discarded: {request.reason}")
            self._end(Stage.DISCARDED)
            await self._discard_draft(EDIT)
            return self.state

    @discard.validator
    def _check_discard(self, request: Discard | None = None) -> None:
        self._require_editable()
        if request is not None and self._active_since(request):
            raise ValueError("the cart changed meanwhile; it stays open")

    def _active_since(self, request: Discard) -> bool:
        """For discards decided elsewhere (the sweep): was the cart touched since?"""
        since = request.unless_active_since
        return since is not None and self.state.last_activity_at > since

    # -- helpers --------------------------------------------------------------------------------

    @asynccontextmanager
    async def _editing(self) -> AsyncIterator[None]:
        """Run an edit: after the draft exists, one at a time, resetting the idle timer, with
        MGE's refusal passed to the caller while the cart stays usable."""
        await self._draft_created()
        async with self._lock:
            self._require_editable_error()
            self._touch()
            try:
                yield
            finally:
                self._publish()

    async def _patch(self, update: DraftUpdate) -> None:
        try:
            await workflow.execute_activity_method(
                MgeActivities.update_draft,
                DraftEdit(draft_id=self._draft_id(), update=update),
                **EDIT,
            )
        except ActivityError as error:
            raise self._record(caller_error(error)) from None
        # MGE returns a READY draft to DRAFT on any change [assumed]: the quote no longer holds.
        self.state.stage = Stage.OPEN
        self.state.quote = None

    async def _validate(self) -> Quote:
        try:
            result: DraftValidation = await workflow.execute_activity_method(
                MgeActivities.validate_draft, self._draft_id(), **EDIT
            )
        except ActivityError as error:
            self.state.stage, self.state.quote = Stage.OPEN, None
            raise self._record(caller_error(error)) from None
        checkout = result.checkout
        self.state.quote = Quote(
            lines=[
                QuoteLine(index=q.index, sku=q.sku, unit_price=q.unit_price, currency=q.currency)
                for q in result.line_items
            ],
            total=checkout.total if checkout else None,
            currency=checkout.currency if checkout else None,
            ready_until=checkout.ready_until if checkout else None,
            max_payment_session_seconds=checkout.max_payment_session_seconds if checkout else None,
        )
        self.state.stage = Stage.READY
        return self.state.quote

    def _quote_expired(self) -> bool:
        quote = self.state.quote
        # Any stage: a window can also lapse while a submit waits on MGE (back to OPEN).
        return (
            quote is not None
            and quote.ready_until is not None
            and (quote.ready_until <= workflow.now())
        )

    def _require_editable(self) -> None:
        """Validator check: refused input never enters history."""
        if self.state.stage not in EDITABLE:
            raise ValueError(f"the cart is {self.state.stage.value} and can no longer change")

    def _require_editable_error(self) -> None:
        """The same check inside a handler, for edits that waited while the cart ended."""
        if self.state.stage not in EDITABLE:
            raise ApplicationError(
                f"the cart is {self.state.stage.value} and can no longer change",
                type="CartClosed",
                non_retryable=True,
            )

    def _require_complete(self) -> None:
        missing = [
            what
            for what, ok in (
                ("lines", bool(self.state.lines)),
                ("shipping", self.state.shipping_set),
            )
            if not ok
        ]
        if missing:
            raise ValueError(f"the cart has no {' and no '.join(missing)} yet: set them first")

    async def _draft_created(self) -> None:
        """Wait until the MGE draft exists; if MGE refused to create it, say why."""
        await workflow.wait_condition(
            lambda: self.state.draft_id is not None or self.state.stage == Stage.FAILED
        )
        if self.state.draft_id is None:
            error = self.state.last_error
            raise ApplicationError(
                error.message if error else "the MGE draft could not be created",
                {"field_errors": error.field_errors} if error else {},
                type=error.type if error else "CartNotReady",
                non_retryable=True,
            )

    def _draft_id(self) -> int:
        if self.state.draft_id is None:  # handlers wait for the draft first; this cannot happen
            raise ApplicationError("the MGE draft does not exist yet", type="CartNotReady")
        return self.state.draft_id

    def _touch(self) -> None:
        self.state.last_activity_at = workflow.now()
        self._touches += 1

    def _record(self, failure: ApplicationError) -> ApplicationError:
        self.state.last_error = error_info(failure, workflow.now())
        return failure

    def _order_changed(self, order: OrderSummary) -> None:
        self.state.order = order
        self.state.stage = STAGE_OF_ORDER_STATUS.get(order.status, self.state.stage)
        self._publish()

    def _fail(self, failure: ApplicationError) -> None:
        self._record(failure)
        self.state.stage = Stage.FAILED
        self._publish()

    def _note(self, text: str) -> None:
        self.state.notes.append(text)
        workflow.logger.info(text)

    def _publish(self) -> None:
        state = self.state
        details = [f"{len(state.lines)} line(s)"]
        if state.quote and state.quote.total is not None:
            details.append(f"quote {state.quote.total} {state.quote.currency or ''}".strip())
        publish(
            brand_id=state.brand_id,
            reference=state.reference,
            stage=state.stage,
            last_activity_at=state.last_activity_at,
            draft_id=state.draft_id,
            order=state.order,
            last_error=state.last_error,
            details=details,
        )
