"""The mgeflow SDK: what a partner's backend calls.

    flow = await Mgeflow.connect()            # Temporal's own TEMPORAL_* configuration
    cart = await flow.open_cart(116, "cart-42")
    image = await flow.attach_image(116, "cart-42", "https://shop.example/p.jpg")
    ...
    order = await flow.submit_cart(116, "cart-42")

Every method validates its input before any journey starts or changes, and raises only
`starter.errors.MgeflowError` subclasses. Journeys are addressed by brand and the partner's own
reference; a reference is used by one journey of each kind, ever, so a retried call can never
start a second cart or a second order.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowExecution,
    WorkflowHandle,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.workflow import UpdateMethodMultiParam

from mge.models import LineItem, OrderLine, PurchaseOption, Shipping, UploadedImage
from starter.errors import Conflict, InvalidInput, MgeflowError, TemporalUnavailable, translate
from workflows import search_attributes as sa
from workflows.direct_order import DirectOrderWorkflow
from workflows.draft_order import DraftOrderWorkflow
from workflows.ids import DEFAULT_TASK_QUEUE, Journey, journey_id
from workflows.messages import (
    AttachImage,
    Choice,
    Choose,
    DirectOrderInput,
    DirectOrderOutcome,
    DirectOrderState,
    DraftOrderInput,
    DraftOrderState,
    FollowUpPolicy,
    OrderSummary,
    PreviewSelectionInput,
    PreviewSelectionState,
    Quote,
    ReplacePhoto,
    SetLines,
    SetShipping,
    Stage,
)
from workflows.preview_selection import PreviewSelectionWorkflow

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

WORKFLOW_TYPES = {
    Journey.DRAFT_ORDER: "DraftOrderWorkflow",
    Journey.PREVIEW_SELECTION: "PreviewSelectionWorkflow",
    Journey.DIRECT_ORDER: "DirectOrderWorkflow",
}
JOURNEY_OF_TYPE = {name: journey for journey, name in WORKFLOW_TYPES.items()}


class JourneySummary(BaseModel):
    """One journey as operators and backends list them (from visibility, no personal data)."""

    workflow_id: str
    journey: Journey | None
    status: str
    brand_id: int | None = None
    reference: str | None = None
    stage: str | None = None
    draft_id: str | None = None
    order_id: str | None = None
    started_at: datetime
    closed_at: datetime | None = None
    last_activity_at: datetime | None = None

    @classmethod
    def of(cls, execution: WorkflowExecution) -> JourneySummary:
        attributes = execution.typed_search_attributes
        return cls(
            workflow_id=execution.id,
            journey=JOURNEY_OF_TYPE.get(execution.workflow_type),
            status=execution.status.name if execution.status else "UNKNOWN",
            brand_id=attributes.get(sa.BRAND_ID),
            reference=attributes.get(sa.REFERENCE),
            stage=attributes.get(sa.STAGE),
            draft_id=attributes.get(sa.DRAFT_ID),
            order_id=attributes.get(sa.ORDER_ID),
            started_at=execution.start_time,
            closed_at=execution.close_time,
            last_activity_at=attributes.get(sa.LAST_ACTIVITY_AT),
        )


def build(model: type[M], **fields: Any) -> M:
    """Validate input into a message model, or raise `InvalidInput` naming the fields."""
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        raise InvalidInput.from_validation(exc) from None


def journey_key(journey: Journey, brand_id: int, reference: str) -> str:
    try:
        return journey_id(journey, brand_id, reference)
    except ValueError as exc:
        field = "brand_id" if "brand_id" in str(exc) else "reference"
        raise InvalidInput(f"{field}: {exc}", {field: [str(exc)]}) from None


class Mgeflow:
    """Typed facade over the Temporal client. Create one per process and share it."""

    def __init__(
        self,
        client: Client,
        *,
        task_queue: str = DEFAULT_TASK_QUEUE,
        follow_up: FollowUpPolicy | None = None,
    ) -> None:
        self.client = client
        self.task_queue = task_queue
        self.follow_up = follow_up or FollowUpPolicy()

    @classmethod
    async def connect(
        cls, *, task_queue: str | None = None, env: Mapping[str, str] | None = None
    ) -> Mgeflow:
        """Connect with Temporal's environment configuration (TEMPORAL_ADDRESS, ...)."""
        from worker import WorkerSettings, connect_temporal

        try:
            client = await connect_temporal(env)
        except ConnectionError as exc:
            raise TemporalUnavailable(str(exc)) from None
        return cls(client, task_queue=task_queue or WorkerSettings().task_queue)

    # -- carts (draft-order journeys) ------------------------------------------------------------

    async def open_cart(
        self,
        brand_id: int,
        reference: str,
        *,
        idle_timeout: timedelta | None = None,
        lines: Sequence[LineItem | Mapping[str, Any]] = (),
    ) -> DraftOrderState:
        """Open the cart (or return it, if already open): one idempotent call."""
        return await self._cart_update(
            brand_id, reference, DraftOrderWorkflow.opened, None, idle_timeout, lines
        )

    async def attach_image(
        self, brand_id: int, reference: str, image: str, *, line: int | None = None
    ) -> UploadedImage:
        """Upload a photo (https://, file:// or a path the worker can read) to the cart's MGE
        draft; opens the cart if needed. With `line`, that line's image becomes this upload."""
        request = build(AttachImage, image=image, line=line)
        return await self._cart_update(
            brand_id, reference, DraftOrderWorkflow.attach_image, request
        )

    async def set_lines(
        self, brand_id: int, reference: str, lines: Sequence[LineItem | Mapping[str, Any]]
    ) -> DraftOrderState:
        request = build(SetLines, lines=list(lines))
        return await self._cart_update(brand_id, reference, DraftOrderWorkflow.set_lines, request)

    async def set_shipping(
        self, brand_id: int, reference: str, shipping: Shipping | Mapping[str, Any]
    ) -> DraftOrderState:
        request = build(SetShipping, shipping=shipping)
        return await self._cart_update(
            brand_id, reference, DraftOrderWorkflow.set_shipping, request
        )

    async def validate_cart(self, brand_id: int, reference: str) -> Quote:
        """Ask MGE for the quote: frozen prices until `ready_until` (the payment window)."""
        handle = self._cart(brand_id, reference)
        return await self._guard(handle.id, handle.execute_update(DraftOrderWorkflow.validate))

    async def submit_cart(self, brand_id: int, reference: str) -> OrderSummary:
        """Turn the cart into exactly one MGE order; calling again returns the same order."""
        handle = self._cart(brand_id, reference)
        try:
            return await self._guard(handle.id, handle.execute_update(DraftOrderWorkflow.submit))
        except MgeflowError:  # a cart that ended with its order still answers with it
            state = await self._already_ended(handle.query(DraftOrderWorkflow.view))
            if state is None or state.order is None:
                raise
            return state.order

    async def discard_cart(self, brand_id: int, reference: str) -> DraftOrderState:
        handle = self._cart(brand_id, reference)
        return await self._guard(handle.id, handle.execute_update(DraftOrderWorkflow.discard))

    async def view_cart(self, brand_id: int, reference: str) -> DraftOrderState:
        handle = self._cart(brand_id, reference)
        return await self._guard(handle.id, handle.query(DraftOrderWorkflow.view))

    # -- previews (preview-selection journeys) ---------------------------------------------------

    async def start_preview(
        self, brand_id: int, reference: str, photo: str, **options: Any
    ) -> list[PurchaseOption]:
        """Upload the photo, let MGE generate previews and return the purchase options, however
        long generation takes. Options: products, preferred_size, variants, auto_enhance,
        auto_crop, comparison_count, selection_deadline, outcome ("order" or "draft")."""
        request = build(
            PreviewSelectionInput,
            brand_id=brand_id,
            reference=reference,
            photo=photo,
            follow_up=options.pop("follow_up", self.follow_up),
            **options,
        )
        return await self._update_with_start(
            PreviewSelectionWorkflow.run,
            request,
            journey_key(Journey.PREVIEW_SELECTION, brand_id, reference),
            f"Preview {reference}",
            PreviewSelectionWorkflow.wait_for_options,
        )

    async def preview_options(self, brand_id: int, reference: str) -> list[PurchaseOption]:
        handle = self._preview(brand_id, reference)
        return await self._guard(
            handle.id, handle.execute_update(PreviewSelectionWorkflow.wait_for_options)
        )

    async def choose(
        self,
        brand_id: int,
        reference: str,
        *,
        preview_option_id: str,
        sku: str,
        shipping: Shipping | Mapping[str, Any] | None = None,
    ) -> Choice:
        """Pick a purchase-option row; its `order_line` is copied as is into an order (give
        shipping) or into a new cart with the same reference (then no shipping here)."""
        request = build(Choose, preview_option_id=preview_option_id, sku=sku, shipping=shipping)
        handle = self._preview(brand_id, reference)
        try:
            return await self._guard(
                handle.id, handle.execute_update(PreviewSelectionWorkflow.choose, request)
            )
        except MgeflowError:  # a journey that ended on this very choice answers with it
            state = await self._already_ended(handle.query(PreviewSelectionWorkflow.view))
            choice = state.choice if state is not None else None
            if choice is None or (choice.line.preview_option_id, choice.line.sku) != (
                preview_option_id,
                sku,
            ):
                raise
            return choice

    async def replace_photo(
        self, brand_id: int, reference: str, photo: str
    ) -> PreviewSelectionState:
        request = build(ReplacePhoto, photo=photo)
        handle = self._preview(brand_id, reference)
        return await self._guard(
            handle.id, handle.execute_update(PreviewSelectionWorkflow.replace_photo, request)
        )

    async def regenerate_preview(self, brand_id: int, reference: str) -> PreviewSelectionState:
        handle = self._preview(brand_id, reference)
        return await self._guard(
            handle.id, handle.execute_update(PreviewSelectionWorkflow.regenerate)
        )

    async def view_preview(self, brand_id: int, reference: str) -> PreviewSelectionState:
        handle = self._preview(brand_id, reference)
        return await self._guard(handle.id, handle.query(PreviewSelectionWorkflow.view))

    # -- direct orders ---------------------------------------------------------------------------

    async def place_order(
        self,
        brand_id: int,
        reference: str,
        *,
        lines: Sequence[LineItem | OrderLine | Mapping[str, Any]],
        shipping: Shipping | Mapping[str, Any],
        dry_run: bool = False,
    ) -> DirectOrderOutcome:
        """One MGE order for a finished checkout; calling again returns the same order. With
        `dry_run`, MGE validates the order and nothing is created."""
        request = build(
            DirectOrderInput,
            brand_id=brand_id,
            reference=reference,
            lines=[line.model_dump() if isinstance(line, OrderLine) else line for line in lines],
            shipping=shipping,
            dry_run=dry_run,
            follow_up=self.follow_up,
        )
        try:
            outcome = await self._update_with_start(
                DirectOrderWorkflow.run,
                request,
                journey_key(Journey.DIRECT_ORDER, brand_id, reference),
                f"Order {reference}",
                DirectOrderWorkflow.wait_for_order,
            )
        except MgeflowError:  # an order journey that ended still answers with its order
            handle = self._order(brand_id, reference)
            state = await self._already_ended(handle.query(DirectOrderWorkflow.view))
            if state is None or (state.order is None and state.validation is None):
                raise
            outcome = DirectOrderOutcome(order=state.order, validation=state.validation)
        if (outcome.order is None) != dry_run:  # a real order must never stop at a dry run
            raise Conflict(
                f"reference {reference} was used by a {'real order' if dry_run else 'dry run'}:"
                " give each dry run its own reference"
            )
        return outcome

    async def view_order(self, brand_id: int, reference: str) -> DirectOrderState:
        handle = self._order(brand_id, reference)
        return await self._guard(handle.id, handle.query(DirectOrderWorkflow.view))

    # -- finding journeys ------------------------------------------------------------------------

    async def find_journeys(
        self,
        *,
        brand_id: int | None = None,
        reference: str | None = None,
        stage: Stage | str | None = None,
        journey: Journey | None = None,
        running: bool | None = None,
        limit: int = 50,
    ) -> list[JourneySummary]:
        """Journeys by brand, reference, stage and kind, newest first (Temporal visibility)."""
        clauses = []
        if journey is not None:
            clauses.append(f"WorkflowType = '{WORKFLOW_TYPES[journey]}'")
        else:
            names = ", ".join(f"'{name}'" for name in WORKFLOW_TYPES.values())
            clauses.append(f"WorkflowType IN ({names})")
        if brand_id is not None:
            clauses.append(f"MgeBrandId = {int(brand_id)}")
        if reference is not None:
            journey_key(Journey.DRAFT_ORDER, brand_id or 1, reference)  # validates: no quotes
            clauses.append(f"MgeReference = '{reference}'")
        if stage is not None:
            try:
                clauses.append(f"MgeStage = '{Stage(stage).value}'")
            except ValueError:
                raise InvalidInput(
                    f"stage: {stage!r} is not a stage",
                    {"stage": ["one of " + ", ".join(s.value for s in Stage)]},
                ) from None
        if running is not None:
            clauses.append(f"ExecutionStatus {'=' if running else '!='} 'Running'")
        executions = self.client.list_workflows(" AND ".join(clauses), limit=limit)

        async def collect() -> list[JourneySummary]:
            return [JourneySummary.of(execution) async for execution in executions]

        return await self._guard("journeys", collect())

    async def describe(self, workflow_id: str) -> dict[str, Any]:
        """One journey for an operator: its summary and its current view."""
        handle = self.client.get_workflow_handle(workflow_id)
        summary = JourneySummary.of(await self._guard(workflow_id, handle.describe()))
        view_type = (
            {
                Journey.DRAFT_ORDER: DraftOrderState,
                Journey.PREVIEW_SELECTION: PreviewSelectionState,
                Journey.DIRECT_ORDER: DirectOrderState,
            }.get(summary.journey)
            if summary.journey
            else None
        )
        view: Any = None
        if view_type is not None:
            view = await self._guard(workflow_id, handle.query("view", result_type=view_type))
        return {
            "journey": summary.model_dump(mode="json"),
            "view": view.model_dump(mode="json") if view is not None else None,
        }

    def handle(self, journey: Journey, brand_id: int, reference: str) -> WorkflowHandle[Any, Any]:
        """The raw Temporal handle, for callers who need more than the facade offers."""
        return self.client.get_workflow_handle(journey_key(journey, brand_id, reference))

    # -- plumbing --------------------------------------------------------------------------------

    async def _cart_update(
        self,
        brand_id: int,
        reference: str,
        update: UpdateMethodMultiParam[Any, T],
        argument: BaseModel | None,
        idle_timeout: timedelta | None = None,
        lines: Sequence[LineItem | Mapping[str, Any]] = (),
    ) -> T:
        """Any cart edit may be the first: update-with-start opens the cart if it is not open."""
        fields: dict[str, Any] = {"lines": list(lines), "follow_up": self.follow_up}
        if idle_timeout is not None:
            fields["idle_timeout"] = idle_timeout
        request = build(DraftOrderInput, brand_id=brand_id, reference=reference, **fields)
        return await self._update_with_start(
            DraftOrderWorkflow.run,
            request,
            journey_key(Journey.DRAFT_ORDER, brand_id, reference),
            f"Cart {reference}",
            update,
            argument,
        )

    async def _update_with_start(
        self,
        run: Callable[..., Any],
        request: BaseModel,
        workflow_id: str,
        summary: str,
        update: UpdateMethodMultiParam[Any, T],
        argument: BaseModel | None = None,
    ) -> T:
        """Start the journey unless it runs already, and send it `update`: one idempotent call."""
        start = WithStartWorkflowOperation(
            run,
            request,
            id=workflow_id,
            task_queue=self.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            # A reference is used once: a late retry must never start a second cart or order.
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            static_summary=summary,
        )
        try:
            return await self._guard(
                workflow_id,
                self.client.execute_update_with_start_workflow(
                    update,
                    args=[] if argument is None else [argument],
                    start_workflow_operation=start,
                ),
            )
        finally:
            # The operation also resolves the workflow handle; observe it so a failed start
            # is not reported again as an unretrieved future.
            with contextlib.suppress(Exception):
                await start.workflow_handle()

    def _cart(self, brand_id: int, reference: str) -> WorkflowHandle[Any, DraftOrderState]:
        return self.client.get_workflow_handle_for(
            DraftOrderWorkflow.run, journey_key(Journey.DRAFT_ORDER, brand_id, reference)
        )

    def _preview(self, brand_id: int, reference: str) -> WorkflowHandle[Any, PreviewSelectionState]:
        return self.client.get_workflow_handle_for(
            PreviewSelectionWorkflow.run,
            journey_key(Journey.PREVIEW_SELECTION, brand_id, reference),
        )

    def _order(self, brand_id: int, reference: str) -> WorkflowHandle[Any, DirectOrderState]:
        return self.client.get_workflow_handle_for(
            DirectOrderWorkflow.run, journey_key(Journey.DIRECT_ORDER, brand_id, reference)
        )

    async def _guard(self, journey_id: str, call: Awaitable[T]) -> T:
        """Await a Temporal call; its exceptions leave as `MgeflowError`s."""
        try:
            return await call
        except MgeflowError:
            raise
        except Exception as exc:
            raise translate(exc, journey_id) from exc

    async def _already_ended(self, call: Awaitable[T]) -> T | None:
        """The view of a journey that may have ended, or None if there is none to read."""
        try:
            return await call
        except Exception:  # absent or unreachable: the caller's original error stands
            return None
