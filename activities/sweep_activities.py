"""Side effects of the stale-draft sweep: visibility queries, ending journeys through their own
`discard`, and reading and deleting MGE drafts.

Every activity is safe to retry: a retry after a dead worker or a lost answer reads the current
state (the journey's view, the MGE draft) before deciding, like `mge.submit_draft` does.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio import activity
from temporalio.client import (
    Client,
    WorkflowHandle,
    WorkflowQueryFailedError,
    WorkflowQueryRejectedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateStage,
)
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from activities.mge_activities import as_application_errors, heartbeating
from mge.client import MgeClient
from mge.errors import MgeConflict, MgeNotFound
from mge.models import Draft
from workflows import search_attributes as sa
from workflows.draft_order import DraftOrderWorkflow
from workflows.messages import ENDED, Discard, DraftOrderState, Stage
from workflows.sweep_messages import (
    DeleteDraftRequest,
    DraftOutcome,
    DraftScan,
    DraftScanRequest,
    EndJourneyRequest,
    JourneyPage,
    JourneyPageRequest,
    SweepAction,
)

JOURNEY_TYPE = DraftOrderWorkflow.__name__
HEARTBEAT_SECONDS = 2.0
QUERY_TIMEOUT = timedelta(seconds=10)
# Once MGE confirms the discard the journey is ended; past this wait the update is still
# accepted (in the journey's history) and its clean-up finishes on its own.
DISCARD_RESULT_WAIT_SECONDS = 20.0


def stale_journeys_query(stage: Stage, task_queue: str, last_activity_before: datetime) -> str:
    """Running journeys on this task queue in `stage` whose last activity is older than given."""
    return (
        f"WorkflowType = {_literal(JOURNEY_TYPE)} AND ExecutionStatus = 'Running'"
        f" AND TaskQueue = {_literal(task_queue)}"
        f" AND {sa.STAGE.name} = {_literal(stage.value)}"
        f" AND {sa.LAST_ACTIVITY_AT.name} < {_literal(_rfc3339(last_activity_before))}"
    )


def draft_owners_query(draft_ids: Iterable[int]) -> str:
    """Running journeys that own any of these MGE drafts, on any task queue: a draft is kept if
    anything might still use it."""
    ids = ", ".join(_literal(str(draft_id)) for draft_id in draft_ids)
    return (
        f"WorkflowType = {_literal(JOURNEY_TYPE)} AND ExecutionStatus = 'Running'"
        f" AND {sa.DRAFT_ID.name} IN ({ids})"
    )


def journey_action(view: DraftOrderState, request: EndJourneyRequest) -> SweepAction | None:
    """Which policy the journey breaks, if any. A quote means the journey was READY (any edit
    drops it), and a discard keeps it, so this also answers for a journey just discarded."""
    if view.quote is not None and view.quote.ready_until is not None:
        expired = view.quote.ready_until < request.ready_until_before
        return SweepAction.END_EXPIRED_JOURNEY if expired else None
    idle = view.last_activity_at < request.idle_before
    return SweepAction.END_IDLE_JOURNEY if idle else None


def draft_is_old(draft: Draft, updated_before: datetime) -> bool:
    changed = draft.updated_at or draft.created_at
    return changed is not None and changed < updated_before


class SweepActivities:
    """Registered on the worker as bound methods: `SweepActivities(temporal_client, mge_client)`."""

    def __init__(self, temporal: Client, mge: MgeClient) -> None:
        self._temporal = temporal
        self._mge = mge

    @activity.defn(name="sweep.find_stale_journeys")
    async def find_stale_journeys(self, request: JourneyPageRequest) -> JourneyPage:
        executions = self._temporal.list_workflows(
            stale_journeys_query(request.stage, request.task_queue, request.last_activity_before),
            page_size=request.page_size,
            next_page_token=_decode(request.page_token),
        )
        await executions.fetch_next_page()
        return JourneyPage(
            workflow_ids=[execution.id for execution in executions.current_page or []],
            page_token=_encode(executions.next_page_token),
        )

    @activity.defn(name="sweep.end_journey")
    async def end_journey(self, request: EndJourneyRequest) -> SweepAction:
        """End a stale journey through its own `discard` (so its own clean-up runs)."""
        handle = self._temporal.get_workflow_handle_for(DraftOrderWorkflow.run, request.workflow_id)
        async with heartbeating(HEARTBEAT_SECONDS):
            try:
                view = await handle.query(DraftOrderWorkflow.view, rpc_timeout=QUERY_TIMEOUT)
            except RPCError as error:
                if error.status == RPCStatusCode.NOT_FOUND:  # gone past retention
                    return SweepAction.SKIP_ENDED_JOURNEY
                raise
            except (WorkflowQueryFailedError, WorkflowQueryRejectedError) as error:
                raise ApplicationError(str(error), type=type(error).__name__) from error
            action = journey_action(view, request)
            if view.stage in ENDED:
                # A retry after a dead worker finds the discard it sent already applied.
                ours = activity.info().attempt > 1 and view.stage == Stage.DISCARDED
                return action if ours and action is not None else SweepAction.SKIP_ENDED_JOURNEY
            if action is None or view.stage not in (Stage.OPEN, Stage.READY):
                return SweepAction.SKIP_ACTIVE_JOURNEY
            if request.dry_run or await self._discard(handle, view.last_activity_at):
                return action
            return SweepAction.SKIP_ENDED_JOURNEY

    async def _discard(self, handle: WorkflowHandle[Any, Any], seen_activity: datetime) -> bool:
        """False when the journey ended first (its validator or handler refused, or it closed).
        The update id names the sweep, so an operator can see in the journey's history who
        ended it, and a retry of the same sweep gets the same update back."""
        update_id = f"{activity.info().workflow_id}:discard"
        try:
            update = await handle.start_update(
                DraftOrderWorkflow.discard,
                # Only if the shopper did nothing since the view this decision was made on.
                Discard(
                    reason=f"stale: ended by {activity.info().workflow_id}",
                    unless_active_since=seen_activity,
                ),
                id=update_id,
                wait_for_stage=WorkflowUpdateStage.ACCEPTED,
                rpc_timeout=QUERY_TIMEOUT,
            )
        except WorkflowUpdateFailedError:
            return False
        except RPCError as error:
            if error.status == RPCStatusCode.NOT_FOUND:  # "workflow execution already completed"
                return False
            raise
        try:
            await asyncio.wait_for(update.result(), timeout=DISCARD_RESULT_WAIT_SECONDS)
        except WorkflowUpdateFailedError:  # accepted together with another discard, which won
            return False
        except TimeoutError:
            pass
        return True

    @activity.defn(name="sweep.scan_drafts")
    async def scan_drafts(self, request: DraftScanRequest) -> DraftScan:
        """One window of MGE's draft listing, from `position`, split into orphans and owned
        candidates. MGE pages by number, so the position maps to a page and an offset in it."""
        page_size = request.page_size
        number = request.position // page_size + 1 if page_size else 1
        offset = request.position - (number - 1) * (page_size or 0)
        async with as_application_errors():
            try:
                page = await self._mge.list_drafts(status=request.status, page=number)
            except MgeNotFound:  # DRF's "Invalid page.": the listing ended before the position
                return DraftScan(size=0, page_size=page_size, last=True)
        if page.next or number == 1:
            page_size = len(page.results) or page_size
        window = page.results[offset : offset + request.batch_size]
        candidates = [
            draft.id
            for draft in window
            if draft.status == request.status and draft_is_old(draft, request.updated_before)
        ]
        owned = await self._owned(candidates)
        return DraftScan(
            size=len(window),
            orphans=[draft_id for draft_id in candidates if draft_id not in owned],
            owned=[draft_id for draft_id in candidates if draft_id in owned],
            page_size=page_size,
            # An empty window ends the phase too: nothing is left at or past the position.
            last=not window or (page.next is None and offset + len(window) >= len(page.results)),
        )

    async def _owned(self, draft_ids: list[int]) -> set[int]:
        if not draft_ids:
            return set()
        owners = self._temporal.list_workflows(
            draft_owners_query(draft_ids), page_size=len(draft_ids)
        )
        owned: set[int] = set()
        async for execution in owners:
            draft_id = execution.typed_search_attributes.get(sa.DRAFT_ID)
            if draft_id is not None and draft_id.isdigit():
                owned.add(int(draft_id))
        return owned

    @activity.defn(name="sweep.delete_orphan_draft")
    async def delete_orphan_draft(self, request: DeleteDraftRequest) -> DraftOutcome:
        """Delete an orphan after reading it again: it must still be unsubmitted and old."""
        gone = DraftOutcome(action=SweepAction.SKIP_CHANGED_DRAFT, listed=False)
        async with as_application_errors(), heartbeating(HEARTBEAT_SECONDS):
            try:
                draft = await self._mge.get_draft(request.draft_id)
            except MgeNotFound:
                if activity.info().attempt > 1:  # the DELETE of a dead or unanswered attempt
                    return DraftOutcome(action=SweepAction.DELETE_ORPHAN_DRAFT, listed=False)
                return gone
            if draft.status != request.status or not draft_is_old(draft, request.updated_before):
                return DraftOutcome(
                    action=SweepAction.SKIP_CHANGED_DRAFT, listed=draft.status == request.status
                )
            try:
                if await self._mge.delete_draft(draft.id):
                    return DraftOutcome(action=SweepAction.DELETE_ORPHAN_DRAFT, listed=False)
            except MgeConflict:  # submitted in between
                return gone
            # False is 404 or 405 alike; a read tells "deleted meanwhile" from "MGE won't".
            try:
                await self._mge.get_draft(draft.id)
            except MgeNotFound:
                return gone
            return DraftOutcome(action=SweepAction.REPORT_UNDELETABLE_DRAFT, listed=True)

    def all(self) -> list[Any]:
        """Every activity of this class, for `Worker(activities=...)`."""
        return [
            self.find_stale_journeys,
            self.end_journey,
            self.scan_drafts,
            self.delete_orphan_draft,
        ]


def _literal(value: str) -> str:
    if "'" in value or "\\" in value:
        raise ValueError("visibility query values must not contain quotes or backslashes")
    return f"'{value}'"


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _encode(token: bytes | None) -> str | None:
    return base64.b64encode(token).decode() if token else None


def _decode(token: str | None) -> bytes | None:
    return base64.b64decode(token) if token else None
