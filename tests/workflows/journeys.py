"""Starting journeys in tests the way the SDK does: update-with-start, one call."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

import pytest
from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowHandle,
    WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError
from temporalio.workflow import UpdateMethodMultiParam

from mge.models import PurchaseOption
from tests.support.shop import BRAND, SHIPPING
from workflows.direct_order import DirectOrderWorkflow
from workflows.ids import Journey, journey_id
from workflows.messages import (
    DirectOrderInput,
    DirectOrderOutcome,
    FollowUpPolicy,
    PreviewSelectionInput,
)
from workflows.preview_selection import PreviewSelectionWorkflow

T = TypeVar("T")
NO_FOLLOW_UP = FollowUpPolicy(enabled=False)
FAST_FOLLOW_UP = FollowUpPolicy(
    first_interval=timedelta(milliseconds=200), max_interval=timedelta(milliseconds=400)
)


async def update_with_start(
    client: Client,
    task_queue: str,
    journey: Journey,
    run: Callable[..., Any],
    request: Any,
    update: UpdateMethodMultiParam[Any, T],
) -> tuple[WorkflowHandle[Any, Any], T]:
    """Start the journey unless it runs, and send it `update` (no argument): one call."""
    start = WithStartWorkflowOperation(
        run,
        request,
        id=journey_id(journey, request.brand_id, request.reference),
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )
    result = await client.execute_update_with_start_workflow(
        update, args=[], start_workflow_operation=start
    )
    return await start.workflow_handle(), result


async def start_preview(
    client: Client, task_queue: str, **fields: Any
) -> tuple[WorkflowHandle[Any, Any], list[PurchaseOption]]:
    """Start a preview journey and wait for its purchase options in one call."""
    request = PreviewSelectionInput(**{"brand_id": BRAND, "follow_up": NO_FOLLOW_UP, **fields})
    return await update_with_start(
        client, task_queue, Journey.PREVIEW_SELECTION, PreviewSelectionWorkflow.run, request,
        PreviewSelectionWorkflow.wait_for_options,
    )  # fmt: skip


async def place_direct_order(
    client: Client, task_queue: str, **fields: Any
) -> tuple[WorkflowHandle[Any, Any], DirectOrderOutcome]:
    defaults = {"brand_id": BRAND, "shipping": SHIPPING, "follow_up": NO_FOLLOW_UP}
    request = DirectOrderInput(**{**defaults, **fields})
    return await update_with_start(
        client, task_queue, Journey.DIRECT_ORDER, DirectOrderWorkflow.run, request,
        DirectOrderWorkflow.wait_for_order,
    )  # fmt: skip


async def failure_of(update: Any) -> ApplicationError:
    """The ApplicationError an update failed with (a validator's refusal or MGE's)."""
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await update
    assert isinstance(caught.value.cause, ApplicationError)
    return caught.value.cause
