"""PreviewSelectionWorkflow: MGE's Flow B (id `preview/{brand_id}/{reference}`).

upload the photo (streamed) -> MGE generates previews (polled through activity retries) -> offer
the purchase options -> the shopper chooses one row -> its `order_line` is copied verbatim into a
direct order (shipping comes with the choice) or into a new draft-order journey. No choice before
the deadline -> EXPIRED. The shopper may replace the photo or regenerate (after an option
expired) within the same journey.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import ActivityError, ApplicationError, WorkflowAlreadyStartedError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from activities.mge_activities import MgeActivities, PlaceOrder, PreviewPhoto
    from mge.models import LineItem, OrderLine, OrderRequest, PurchaseOption, Shipping
    from workflows.activity_options import EDIT, ORDER, PREVIEW_POLL, UPLOAD
    from workflows.common import FIXABLE, caller_error, error_info, follow_order, publish
    from workflows.draft_order import DraftOrderWorkflow
    from workflows.ids import Journey, journey_id
    from workflows.messages import (
        ENDED,
        STAGE_OF_ORDER_STATUS,
        Choice,
        Choose,
        DraftOrderInput,
        OrderSummary,
        Outcome,
        PreviewSelectionInput,
        PreviewSelectionState,
        ReplacePhoto,
        Stage,
    )

_SECOND = timedelta(seconds=1)


@workflow.defn
class PreviewSelectionWorkflow:
    @workflow.init
    def __init__(self, input: PreviewSelectionInput) -> None:
        now = workflow.now()
        self.input = input
        self.state = PreviewSelectionState(
            brand_id=input.brand_id, reference=input.reference, created_at=now, last_activity_at=now
        )
        self._lock = asyncio.Lock()  # one MGE step at a time: upload, choice, regeneration
        self._generation = 0  # bumped by each photo sent; a poll of an older one is stale
        self._choices = 0  # numbers order attempts, so each gets its own idempotency key

    # -- the journey ----------------------------------------------------------------------------

    @workflow.run
    async def run(self, input: PreviewSelectionInput) -> PreviewSelectionState:
        self._publish()
        try:
            async with self._lock:
                await self._send_photo(input.photo, fresh=True)
        except ApplicationError:
            return self.state  # _send_photo recorded why
        while self.state.stage not in ENDED:
            if self.state.stage == Stage.GENERATING:
                await self._await_generation()
            elif self.state.stage == Stage.CHOOSING:
                await self._await_choice()
            else:  # a choice is being placed; its handler decides what follows
                await workflow.wait_condition(lambda: self.state.stage != Stage.PLACING)
        if self.state.order is not None and input.follow_up.enabled:
            await follow_order(self.state.order, input.follow_up, self._order_changed, self._note)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.state

    async def _send_photo(self, photo: str, *, fresh: bool) -> None:
        """POST a new preview (`fresh`) or PUT a new photo into the current one."""
        try:
            preview = await workflow.execute_activity_method(
                MgeActivities.send_preview_photo,
                PreviewPhoto(
                    photo=photo,
                    request=self.input.preview_request(),
                    preview_id=None if fresh else self.state.preview_id,
                ),
                **UPLOAD,
            )
        except ActivityError as error:
            failure = self._record(caller_error(error))
            if self.state.preview_id is None:  # nothing to choose from, ever
                self._move_to(Stage.FAILED)
            raise failure from None
        self._generation += 1
        self.state.preview_id = preview.id
        self.state.preview_status = preview.status
        self.state.options = []
        self.state.choice = None
        self._move_to(Stage.GENERATING)

    async def _await_generation(self) -> None:
        generation, preview_id = self._generation, self.state.preview_id or ""
        try:
            preview = await workflow.execute_activity_method(
                MgeActivities.wait_for_preview, preview_id, **PREVIEW_POLL
            )
            options = await workflow.execute_activity_method(
                MgeActivities.get_purchase_options, preview.id, **EDIT
            )
        except ActivityError as error:
            if generation == self._generation:  # MGE's FAILED ends the journey with its reason
                self._record(caller_error(error))
                self._move_to(Stage.FAILED)
            return
        if generation != self._generation:
            return  # a newer photo arrived while we waited; poll that one
        self.state.preview_status = preview.status
        self.state.options = options
        self.state.offered_until = workflow.now() + self.input.selection_deadline
        if preview.status == "PARTIAL":
            self._note("some preview variants failed; offering the ones MGE made")
        self._move_to(Stage.CHOOSING)

    async def _await_choice(self) -> None:
        generation = self._generation
        deadline = self.state.offered_until or workflow.now()
        try:
            await workflow.wait_condition(
                lambda: self.state.stage != Stage.CHOOSING or self._generation != generation,
                timeout=max(deadline - workflow.now(), _SECOND),
            )
        except TimeoutError:
            if self._lock.locked():  # a choice or a new photo is on its way
                await workflow.wait_condition(lambda: not self._lock.locked())
            elif self.state.stage == Stage.CHOOSING:
                self._note("no choice before the deadline")
                self._move_to(Stage.EXPIRED)

    # -- messages -------------------------------------------------------------------------------

    @workflow.query
    def view(self) -> PreviewSelectionState:
        return self.state

    @workflow.update
    async def wait_for_options(self) -> list[PurchaseOption]:
        """Returns as soon as the purchase options are ready, however long generation takes."""
        await workflow.wait_condition(lambda: self.state.stage != Stage.GENERATING)
        if self.state.stage == Stage.CHOOSING:
            return self.state.options
        error = self.state.last_error
        raise ApplicationError(
            f"no purchase options: the preview journey is {self.state.stage.value}"
            + (f" ({error.message})" if error else ""),
            type=error.type if error else "PreviewUnavailable",
            non_retryable=True,
        )

    @wait_for_options.validator
    def _check_wait_for_options(self) -> None:
        if self.state.stage in ENDED:
            raise ValueError(f"the preview journey is {self.state.stage.value}")

    @workflow.update
    async def choose(self, request: Choose) -> Choice:
        async with self._lock:
            if (made := self._made(request)) is not None:  # a double click: the same answer
                return made
            if self.state.stage != Stage.CHOOSING:
                raise ApplicationError(
                    f"the preview journey is {self.state.stage.value}: another choice was made",
                    type="JourneyClosed",
                    non_retryable=True,
                )
            row = self._offered(request)
            if row is None:  # the options changed while this choice waited
                raise ApplicationError(
                    "that option is no longer offered: fetch the options again",
                    type="OptionNotOffered",
                    non_retryable=True,
                )
            self._touch()
            line = row.order_line  # copied verbatim: never an assembled SKU
            if self.input.outcome == Outcome.DRAFT:
                return await self._hand_off(line)
            return await self._order(line, request.shipping)

    @choose.validator
    def _check_choose(self, request: Choose) -> None:
        if self._made(request) is not None:
            return
        if self.state.stage not in (Stage.CHOOSING, Stage.PLACING):
            raise ValueError(f"nothing to choose from: the preview journey is {self.state.stage}")
        if self._offered(request) is None:
            raise ValueError(
                f"preview option {request.preview_option_id} with sku {request.sku} was not "
                "offered: choose a row from the purchase options"
            )
        if self.input.outcome == Outcome.ORDER and request.shipping is None:
            raise ValueError("shipping is required: this journey orders directly on a choice")
        if self.input.outcome == Outcome.DRAFT and request.shipping is not None:
            raise ValueError(
                "shipping belongs to the cart this choice opens: set it there (set_shipping)"
            )

    @workflow.update
    async def replace_photo(self, request: ReplacePhoto) -> PreviewSelectionState:
        """New photo, same preview: options are regenerated and any earlier choice dropped."""
        async with self._lock:
            self._require_open()
            self._touch()
            await self._send_photo(request.photo, fresh=False)
            return self.state

    @replace_photo.validator
    def _check_replace_photo(self, request: ReplacePhoto) -> None:
        self._require_open_or_refuse()

    @workflow.update
    async def regenerate(self) -> PreviewSelectionState:
        """A fresh preview of the same photo, e.g. after MGE said an option expired."""
        async with self._lock:
            self._require_open()
            self._touch()
            await self._send_photo(self.input.photo, fresh=True)
            return self.state

    @regenerate.validator
    def _check_regenerate(self) -> None:
        self._require_open_or_refuse()

    # -- helpers --------------------------------------------------------------------------------

    async def _order(self, line: OrderLine, shipping: Shipping | None) -> Choice:
        if shipping is None:  # the validator refuses this; kept for type safety
            raise ApplicationError("shipping is required", type="ShippingMissing")
        self._choices += 1
        self._move_to(Stage.PLACING)
        order = OrderRequest(
            brand_id=self.state.brand_id,
            line_items=[LineItem.from_order_line(line)],
            shipping=shipping,
            reference_id=self.state.reference,
        )
        # One key per attempt: a retry of this attempt is safe; a later choice is a new order.
        key = f"{workflow.info().workflow_id}#choice-{self._choices}"
        try:
            placed = await workflow.execute_activity_method(
                MgeActivities.create_order, PlaceOrder(order=order, idempotency_key=key), **ORDER
            )
        except ActivityError as error:
            failure = self._record(caller_error(error))
            self._move_to(Stage.CHOOSING if failure.type in FIXABLE else Stage.FAILED)
            raise failure from None
        self.state.order = OrderSummary.of(placed)
        self.state.choice = Choice(line=line, order=self.state.order)
        self._move_to(STAGE_OF_ORDER_STATUS.get(placed.status, Stage.SUBMITTED))
        return self.state.choice

    async def _hand_off(self, line: OrderLine) -> Choice:
        """Open the shopper's cart as its own journey, which outlives this one."""
        draft_id = journey_id(Journey.DRAFT_ORDER, self.state.brand_id, self.state.reference)
        try:
            await workflow.start_child_workflow(
                DraftOrderWorkflow.run,
                DraftOrderInput(
                    brand_id=self.state.brand_id,
                    reference=self.state.reference,
                    idle_timeout=self.input.draft_idle_timeout,
                    lines=[LineItem.from_order_line(line)],
                    follow_up=self.input.follow_up,
                ),
                id=draft_id,
                parent_close_policy=ParentClosePolicy.ABANDON,
                # As for every journey: a reference opens one cart, ever.
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                static_summary=f"Cart {self.state.reference}",
            )
        except WorkflowAlreadyStartedError:
            raise ApplicationError(
                f"a cart {draft_id} exists already: use another reference",
                type="CartExists",
                non_retryable=True,
            ) from None
        self.state.choice = Choice(line=line, draft_workflow_id=draft_id)
        self._move_to(Stage.HANDED_OFF)
        return self.state.choice

    def _made(self, request: Choose) -> Choice | None:
        """The choice already made for this very row, if any."""
        choice = self.state.choice
        if choice is not None and (choice.line.preview_option_id, choice.line.sku) == (
            request.preview_option_id,
            request.sku,
        ):
            return choice
        return None

    def _offered(self, request: Choose) -> PurchaseOption | None:
        for row in self.state.options:
            if (
                row.preview_option_id == request.preview_option_id
                and row.order_line.sku == request.sku
            ):
                return row
        return None

    def _require_open_or_refuse(self) -> None:
        if self.state.stage not in (Stage.GENERATING, Stage.CHOOSING):
            raise ValueError(f"the preview journey is {self.state.stage.value}")

    def _require_open(self) -> None:
        if self.state.stage not in (Stage.GENERATING, Stage.CHOOSING):
            raise ApplicationError(
                f"the preview journey is {self.state.stage.value}",
                type="JourneyClosed",
                non_retryable=True,
            )

    def _order_changed(self, order: OrderSummary) -> None:
        self.state.order = order
        self._move_to(STAGE_OF_ORDER_STATUS.get(order.status, self.state.stage))

    def _record(self, failure: ApplicationError) -> ApplicationError:
        self.state.last_error = error_info(failure, workflow.now())
        return failure

    def _note(self, text: str) -> None:
        self.state.notes.append(text)
        workflow.logger.info(text)

    def _touch(self) -> None:
        self.state.last_activity_at = workflow.now()

    def _move_to(self, stage: Stage) -> None:
        self.state.stage = stage
        self._publish()

    def _publish(self) -> None:
        state = self.state
        details = [f"{len(state.options)} option(s)"]
        if state.preview_id:
            details.append(f"MGE preview {state.preview_id}")
        if state.choice and state.choice.draft_workflow_id:
            details.append(f"cart {state.choice.draft_workflow_id}")
        publish(
            brand_id=state.brand_id,
            reference=state.reference,
            stage=state.stage,
            last_activity_at=state.last_activity_at,
            order=state.order,
            last_error=state.last_error,
            details=details,
        )
