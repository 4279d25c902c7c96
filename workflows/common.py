"""What every journey shares: turning activity failures into caller errors, and following an
accepted order until it ships."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError, FailureError

with workflow.unsafe.imports_passed_through():
    from activities.mge_activities import MgeActivities
    from mge.models import OrderStatus
    from workflows import search_attributes as sa
    from workflows.activity_options import BACKGROUND
    from workflows.messages import ErrorInfo, FollowUpPolicy, OrderSummary, Stage

# We stop following at "shipped": from there the carrier's tracking tells the rest.
FOLLOWED_UNTIL = frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.CANCELLED})
# MGE refusals the caller can fix (edit the cart, pick a fresh preview): the journey goes on.
FIXABLE = frozenset({"MgeValidationError", "MgePreviewOptionExpired"})


def application_cause(error: FailureError) -> ApplicationError | None:
    """The ApplicationError behind an activity failure (through timeouts and retries), if any."""
    cause: BaseException | None = error.cause
    while isinstance(cause, FailureError) and not isinstance(cause, ApplicationError):
        cause = cause.cause
    return cause if isinstance(cause, ApplicationError) else None


def caller_error(error: ActivityError) -> ApplicationError:
    """An activity failure as the caller should see it: MGE's type, words and field errors."""
    cause = application_cause(error)
    if cause is None:
        return ApplicationError(
            "MGE did not answer in time; try again later", type="MgeUnavailable", non_retryable=True
        )
    return ApplicationError(cause.message, *cause.details, type=cause.type, non_retryable=True)


def error_info(failure: ApplicationError, at: datetime) -> ErrorInfo:
    details = failure.details[0] if failure.details else {}
    return ErrorInfo(
        type=failure.type or "Error",
        message=failure.message,
        field_errors=details.get("field_errors", {}) if isinstance(details, dict) else {},
        at=at,
    )


async def follow_order(
    order: OrderSummary,
    policy: FollowUpPolicy,
    on_change: Callable[[OrderSummary], None],
    note: Callable[[str], None],
) -> OrderSummary:
    """MGE has no webhooks: read the order on durable timers with growing intervals. If MGE
    cannot tell for an hour, stop following: the order exists, the journey must not fail."""
    interval = policy.first_interval
    while order.status not in FOLLOWED_UNTIL:
        await workflow.sleep(interval)
        try:
            placed = await workflow.execute_activity_method(
                MgeActivities.get_order, order.order_id, **BACKGROUND
            )
        except ActivityError as error:
            note(f"stopped following order {order.order_id}: {caller_error(error).message}")
            return order
        latest = OrderSummary.of(placed)
        if latest != order:
            order = latest
            on_change(order)
        interval = min(interval * 2, policy.max_interval)
    return order


def publish(
    *,
    brand_id: int,
    reference: str,
    stage: Stage,
    last_activity_at: datetime,
    draft_id: int | None = None,
    order: OrderSummary | None = None,
    last_error: ErrorInfo | None = None,
    details: list[str],
) -> None:
    """Search attributes and the UI's current details follow every transition. Nothing here may
    be personal data: ids, stage, counts, amounts."""
    workflow.upsert_search_attributes(
        [
            sa.BRAND_ID.value_set(brand_id),
            sa.REFERENCE.value_set(reference),
            sa.STAGE.value_set(stage.value),
            sa.LAST_ACTIVITY_AT.value_set(last_activity_at),
            *([sa.DRAFT_ID.value_set(str(draft_id))] if draft_id is not None else []),
            *([sa.ORDER_ID.value_set(order.order_id)] if order is not None else []),
        ]
    )
    lines = [f"**{stage.value}**", *details]
    if draft_id is not None:
        lines.append(f"MGE draft {draft_id}")
    if order is not None:
        lines.append(f"order {order.order_id} ({order.status})")
    if last_error is not None:
        lines.append(f"last error: {last_error.type}")
    workflow.set_current_details(" · ".join(lines))
