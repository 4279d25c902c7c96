"""Starting journeys in tests the way the SDK does: update-with-start, one call."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio.client import Client, WithStartWorkflowOperation, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy

from mge.models import Shipping
from workflows.direct_order import DirectOrderWorkflow
from workflows.ids import Journey, journey_id
from workflows.messages import (
    DirectOrderInput,
    DirectOrderOutcome,
    FollowUpPolicy,
    PreviewSelectionInput,
)
from workflows.preview_selection import PreviewSelectionWorkflow

BRAND = 116
SKU = "DOT/VF/40X50/W/BLACK/STD"
SHIPPING = Shipping(
    name="Ada Lovelace",
    email="ada@example.com",
    phone="+65 6123 4567",
    street="1 Orchard Road",
    city="Singapore",
    zip="238823",
    country="SG",
)
NO_FOLLOW_UP = FollowUpPolicy(enabled=False)
FAST_FOLLOW_UP = FollowUpPolicy(
    first_interval=timedelta(milliseconds=200), max_interval=timedelta(milliseconds=400)
)


async def start_preview(
    client: Client, task_queue: str, **fields: Any
) -> tuple[WorkflowHandle[PreviewSelectionWorkflow, Any], list[Any]]:
    """Start a preview journey and wait for its purchase options in one call."""
    fields = {"brand_id": BRAND, "follow_up": NO_FOLLOW_UP, **fields}
    request = PreviewSelectionInput(**fields)
    start = WithStartWorkflowOperation(
        PreviewSelectionWorkflow.run,
        request,
        id=journey_id(Journey.PREVIEW_SELECTION, request.brand_id, request.reference),
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )
    options = await client.execute_update_with_start_workflow(
        PreviewSelectionWorkflow.wait_for_options, start_workflow_operation=start
    )
    return await start.workflow_handle(), options


async def place_direct_order(
    client: Client, task_queue: str, **fields: Any
) -> tuple[WorkflowHandle[DirectOrderWorkflow, Any], DirectOrderOutcome]:
    fields = {"brand_id": BRAND, "shipping": SHIPPING, "follow_up": NO_FOLLOW_UP, **fields}
    request = DirectOrderInput(**fields)
    start = WithStartWorkflowOperation(
        DirectOrderWorkflow.run,
        request,
        id=journey_id(Journey.DIRECT_ORDER, request.brand_id, request.reference),
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )
    outcome = await client.execute_update_with_start_workflow(
        DirectOrderWorkflow.wait_for_order, start_workflow_operation=start
    )
    return await start.workflow_handle(), outcome
