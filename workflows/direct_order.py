"""DirectOrderWorkflow: the checkout already happened; place one MGE order (id
`order/{brand_id}/{reference}`), then follow it until it ships.

probe `asset_url` images -> `POST orders/` with an Idempotency-Key derived from the workflow id
(so every retry, even after a lost answer or a dead worker, yields the same order) -> SUBMITTED ->
order follow-up. A dry run validates with MGE instead and creates nothing.
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.mge_activities import MgeActivities, PlaceOrder
    from mge.models import AssetParams, ImageFacts, LineItem, OrderRequest, OrderValidation
    from workflows.activity_options import EDIT, ORDER
    from workflows.common import caller_error, error_info, follow_order, publish
    from workflows.messages import (
        ENDED,
        ORDERED,
        STAGE_OF_ORDER_STATUS,
        DirectOrderInput,
        DirectOrderOutcome,
        DirectOrderState,
        OrderSummary,
        Quote,
        QuoteLine,
        Stage,
    )


@workflow.defn
class DirectOrderWorkflow:
    @workflow.init
    def __init__(self, input: DirectOrderInput) -> None:
        now = workflow.now()
        self.state = DirectOrderState(
            brand_id=input.brand_id,
            reference=input.reference,
            lines=input.lines,
            dry_run=input.dry_run,
            created_at=now,
            last_activity_at=now,
        )

    @workflow.run
    async def run(self, input: DirectOrderInput) -> DirectOrderState:
        self._publish()
        try:
            lines = await self._probe_images(input.lines)
            order = OrderRequest(
                brand_id=input.brand_id,
                line_items=lines,
                shipping=input.shipping,
                reference_id=input.reference,
            )
            if input.dry_run:
                await self._validate(order)
            else:
                await self._place(order)
        except ActivityError as error:
            failure = caller_error(error)
            self.state.last_error = error_info(failure, workflow.now())
            self._move_to(Stage.FAILED)
        if self.state.order is not None and input.follow_up.enabled:
            await follow_order(self.state.order, input.follow_up, self._order_changed, self._note)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.state

    async def _probe_images(self, lines: list[LineItem]) -> list[LineItem]:
        """MGE fetches `asset_url` images itself; probe them first so an unreadable or too small
        image is refused before ordering, and MGE learns the source size."""
        probed: list[LineItem] = []
        for line in lines:
            facts: ImageFacts | None = None
            if line.asset_url is not None:
                facts = await workflow.execute_activity_method(
                    MgeActivities.probe_image, str(line.asset_url), **EDIT
                )
                if line.asset_params is None:
                    params = AssetParams(
                        source_width=facts.width,
                        source_height=facts.height,
                        crop_mode="auto_allowed",
                    )
                    line = line.model_copy(update={"asset_params": params})
            self.state.images.append(facts)
            probed.append(line)
        self.state.lines = probed
        return probed

    async def _validate(self, order: OrderRequest) -> None:
        result: OrderValidation = await workflow.execute_activity_method(
            MgeActivities.validate_order, order, **EDIT
        )
        self.state.validation = Quote(
            lines=[
                QuoteLine(index=q.index, sku=q.sku, unit_price=q.unit_price, currency=q.currency)
                for q in result.line_items
            ],
            total=result.total,
            currency=result.currency,
        )
        self._move_to(Stage.VALIDATED)

    async def _place(self, order: OrderRequest) -> None:
        placed = await workflow.execute_activity_method(
            MgeActivities.create_order,
            PlaceOrder(order=order, idempotency_key=workflow.info().workflow_id),
            **ORDER,
        )
        self.state.order = OrderSummary.of(placed)
        self._move_to(STAGE_OF_ORDER_STATUS.get(placed.status, Stage.SUBMITTED))

    # -- messages -------------------------------------------------------------------------------

    @workflow.query
    def view(self) -> DirectOrderState:
        return self.state

    @workflow.update
    async def wait_for_order(self) -> DirectOrderOutcome:
        """Answers once MGE has the order (or, for a dry run, has validated it)."""
        await workflow.wait_condition(lambda: self.state.stage in ENDED)
        if self.state.stage in ORDERED or self.state.stage == Stage.VALIDATED:
            return DirectOrderOutcome(order=self.state.order, validation=self.state.validation)
        error = self.state.last_error
        raise ApplicationError(
            error.message if error else "the order failed",
            {"field_errors": error.field_errors} if error else {},
            type=error.type if error else "OrderFailed",
            non_retryable=True,
        )

    # -- helpers --------------------------------------------------------------------------------

    def _note(self, text: str) -> None:
        self.state.notes.append(text)
        workflow.logger.info(text)

    def _order_changed(self, order: OrderSummary) -> None:
        self.state.order = order
        self._move_to(STAGE_OF_ORDER_STATUS.get(order.status, self.state.stage))

    def _move_to(self, stage: Stage) -> None:
        self.state.stage = stage
        self.state.last_activity_at = workflow.now()
        self._publish()

    def _publish(self) -> None:
        state = self.state
        publish(
            brand_id=state.brand_id,
            reference=state.reference,
            stage=state.stage,
            last_activity_at=state.last_activity_at,
            order=state.order,
            last_error=state.last_error,
            details=[f"{len(state.lines)} line(s)", *(["dry run"] if state.dry_run else [])],
        )
