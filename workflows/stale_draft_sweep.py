"""StaleDraftSweepWorkflow: the backstop behind each journey's own idle timer, run by a Temporal
Schedule (`mgeflow-stale-draft-sweep`) or on demand (`mgeflow sweep`).

Phases, in order: OPEN journeys idle past the limit, READY journeys past their payment window plus
a grace period (both ended through their own `discard`), then MGE drafts in DRAFT and in READY
that are older than the limit and owned by no running journey (deleted, or reported where MGE
refuses). SUBMITTED drafts are never listed. Every action is decided against the sweep's start
time, so all batches (and continued runs) apply one policy. In a dry run nothing changes.

Deterministic orchestration only: one activity per page and one per journey or draft acted on,
so a dead worker costs at most the one in-flight step, which re-reads state when retried.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.sweep_activities import SweepActivities
    from workflows.activity_options import ActivityOptions
    from workflows.common import application_cause
    from workflows.messages import Stage
    from workflows.sweep_messages import (
        DRAFT_STATUS,
        JOURNEY_STAGE,
        PHASES,
        DeleteDraftRequest,
        DraftScanRequest,
        EndJourneyRequest,
        JourneyPageRequest,
        SweepAction,
        SweepCursor,
        SweepInput,
        SweepProgress,
        SweepReport,
    )


# A sweep is a backstop: after a few tries a step is reported as an error and the sweep goes on;
# the next scheduled run tries again.
RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(seconds=30),
    maximum_attempts=5,
)
LIST: ActivityOptions = {"start_to_close_timeout": timedelta(seconds=60), "retry_policy": RETRY}
# Acting steps heartbeat, so a dead worker's step is retried within seconds, not minutes.
ACT: ActivityOptions = {
    "start_to_close_timeout": timedelta(seconds=90),
    "heartbeat_timeout": timedelta(seconds=10),
    "retry_policy": RETRY,
}


@workflow.defn
class StaleDraftSweepWorkflow:
    @workflow.init
    def __init__(self, input: SweepInput) -> None:
        self.policy = input.policy
        if input.progress is None:
            report = SweepReport(dry_run=input.dry_run, started_at=workflow.now())
            self.progress = SweepProgress(report=report)
        else:
            self.progress = input.progress
            self.progress.report.runs += 1

    @workflow.run
    async def run(self, input: SweepInput) -> SweepReport:
        report = self.progress.report
        batches_this_run = 0
        self._publish()
        while self.progress.cursor is not None:
            if report.batches >= self.policy.max_batches:
                report.fail("sweep", "BatchLimit", f"stopped after {report.batches} batches")
                break
            if (
                batches_this_run >= self.policy.batches_per_run
                or workflow.info().is_continue_as_new_suggested()
            ):
                workflow.continue_as_new(
                    SweepInput(policy=self.policy, dry_run=report.dry_run, progress=self.progress)
                )
            self.progress.cursor = await self._batch(self.progress.cursor)
            report.batches += 1
            batches_this_run += 1
            self._publish()
        report.finished_at = workflow.now()
        self._publish()
        return report

    @workflow.query
    def report(self) -> SweepReport:
        return self.progress.report

    # -- batches --------------------------------------------------------------------------------

    async def _batch(self, cursor: SweepCursor) -> SweepCursor | None:
        try:
            if cursor.phase in JOURNEY_STAGE:
                return await self._journeys(cursor)
            return await self._drafts(cursor)
        except ActivityError as error:  # the listing failed for good: report it, go on
            self._fail(cursor.phase.value, error)
            return _next_phase(cursor)

    async def _journeys(self, cursor: SweepCursor) -> SweepCursor | None:
        report, policy = self.progress.report, self.policy
        idle_before = report.started_at - policy.idle_limit
        ready_until_before = report.started_at - policy.ready_grace
        stage = JOURNEY_STAGE[cursor.phase]
        # Validating touches a journey, so its window closes after its last activity: journeys
        # active since the later cutoff cannot break either READY rule.
        last_activity_before = (
            idle_before if stage == Stage.OPEN else max(idle_before, ready_until_before)
        )
        page = await workflow.execute_activity_method(
            SweepActivities.find_stale_journeys,
            JourneyPageRequest(
                stage=stage,
                task_queue=workflow.info().task_queue,
                last_activity_before=last_activity_before,
                page_size=policy.batch_size,
                page_token=cursor.page_token,
            ),
            **LIST,
        )
        for workflow_id in page.workflow_ids:
            try:
                action = await workflow.execute_activity_method(
                    SweepActivities.end_journey,
                    EndJourneyRequest(
                        workflow_id=workflow_id,
                        idle_before=idle_before,
                        ready_until_before=ready_until_before,
                        dry_run=report.dry_run,
                    ),
                    **ACT,
                )
            except ActivityError as error:
                self._fail(workflow_id, error)
                continue
            report.add(action, workflow_id)
        if page.page_token is None:
            return _next_phase(cursor)
        return cursor.model_copy(update={"page_token": page.page_token})

    async def _drafts(self, cursor: SweepCursor) -> SweepCursor | None:
        report = self.progress.report
        status = DRAFT_STATUS[cursor.phase]
        updated_before = report.started_at - self.policy.draft_age_limit
        scan = await workflow.execute_activity_method(
            SweepActivities.scan_drafts,
            DraftScanRequest(
                status=status,
                updated_before=updated_before,
                position=cursor.position,
                page_size=cursor.page_size,
                batch_size=self.policy.batch_size,
            ),
            **LIST,
        )
        for draft_id in scan.owned:
            report.add(SweepAction.SKIP_OWNED_DRAFT, str(draft_id))
        unlisted = 0
        for draft_id in scan.orphans:
            if report.dry_run:
                report.add(SweepAction.DELETE_ORPHAN_DRAFT, str(draft_id))
                continue
            try:
                outcome = await workflow.execute_activity_method(
                    SweepActivities.delete_orphan_draft,
                    DeleteDraftRequest(
                        draft_id=draft_id, status=status, updated_before=updated_before
                    ),
                    **ACT,
                )
            except ActivityError as error:
                self._fail(str(draft_id), error)
                continue
            report.add(outcome.action, str(draft_id))
            unlisted += not outcome.listed
        if scan.last:
            return _next_phase(cursor)
        # MGE pages by number: each draft that left the listing moves the later ones up.
        return cursor.model_copy(
            update={
                "position": cursor.position + scan.size - unlisted,
                "page_size": scan.page_size,
            }
        )

    # -- helpers --------------------------------------------------------------------------------

    def _fail(self, target: str, error: ActivityError) -> None:
        cause = application_cause(error)
        deepest = error.cause or error  # e.g. a timeout, when no ApplicationError is behind it
        type_ = (cause.type if cause else None) or type(deepest).__name__
        message = cause.message if cause else str(deepest)
        self.progress.report.fail(target, type_, message)
        workflow.logger.warning("sweep step failed", extra={"target": target, "type": type_})

    def _publish(self) -> None:
        """The UI's current details: phase and running counts."""
        report, cursor = self.progress.report, self.progress.cursor
        state = "done" if cursor is None else f"sweeping {cursor.phase.value.replace('_', ' ')}"
        details = [f"**{state}**{' (dry run)' if report.dry_run else ''}"]
        details.append(f"{report.batches} batch(es), run {report.runs}")
        details += [f"{action.value} {count}" for action, count in report.counts.items()]
        details.append(f"errors {report.error_count}")
        workflow.set_current_details(" · ".join(details))


def _next_phase(cursor: SweepCursor) -> SweepCursor | None:
    index = PHASES.index(cursor.phase) + 1
    return SweepCursor(phase=PHASES[index]) if index < len(PHASES) else None
