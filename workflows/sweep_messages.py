"""What the stale-draft sweep is given, what its activities exchange and what it reports: pydantic
models, pure data (no I/O), safe inside the workflow sandbox.

Reports carry workflow ids (`draft/116/cart-42`: brand and the partner's reference) and MGE draft
ids, never names, e-mails or addresses.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from mge.models import DraftStatus
from workflows.messages import Stage

# Caps keep a huge sweep's report (carried across continue-as-new and returned) far below
# Temporal's 2 MB payload limit; the counts stay exact.
MAX_IDS_PER_ACTION = 1000
MAX_ERRORS = 100
MAX_ERROR_MESSAGE = 300


class SweepModel(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)


class SweepAction(StrEnum):
    """What the sweep did (or, in a dry run, would do) with one journey or MGE draft."""

    END_IDLE_JOURNEY = "end_idle_journey"  # OPEN (or READY without a window) idle past the limit
    END_EXPIRED_JOURNEY = "end_expired_journey"  # READY past ready_until plus the grace period
    DELETE_ORPHAN_DRAFT = "delete_orphan_draft"  # old DRAFT/READY draft no live journey owns
    REPORT_UNDELETABLE_DRAFT = "report_undeletable_draft"  # MGE refused the DELETE
    SKIP_ACTIVE_JOURNEY = "skip_active_journey"  # within policy after all (e.g. shopper returned)
    SKIP_ENDED_JOURNEY = "skip_ended_journey"  # ended or completed before the sweep got to it
    SKIP_OWNED_DRAFT = "skip_owned_draft"  # old, but a running journey owns it
    SKIP_CHANGED_DRAFT = "skip_changed_draft"  # gone, submitted or edited before the sweep acted


#: Actions that change something (outside a dry run); their targets are listed in the report.
ACTS = frozenset(
    {
        SweepAction.END_IDLE_JOURNEY,
        SweepAction.END_EXPIRED_JOURNEY,
        SweepAction.DELETE_ORPHAN_DRAFT,
        SweepAction.REPORT_UNDELETABLE_DRAFT,
    }
)


class SweepPolicy(SweepModel):
    idle_limit: timedelta = Field(default=timedelta(days=7), gt=timedelta(0))
    ready_grace: timedelta = Field(default=timedelta(hours=1), ge=timedelta(0))
    draft_age_limit: timedelta = Field(default=timedelta(days=7), gt=timedelta(0))
    #: Journeys per visibility page and MGE drafts per scan (MGE's own page size caps it too).
    batch_size: int = Field(default=100, ge=1, le=500)
    #: Continue as new after this many batches, even if Temporal does not suggest it yet.
    batches_per_run: int = Field(default=20, ge=1)
    #: A backstop against a listing that never shrinks (e.g. MGE listing drafts it deleted).
    max_batches: int = Field(default=10_000, ge=1)


class SweepPhase(StrEnum):
    OPEN_JOURNEYS = "open_journeys"
    READY_JOURNEYS = "ready_journeys"
    DRAFT_DRAFTS = "draft_drafts"  # MGE drafts in status DRAFT
    READY_DRAFTS = "ready_drafts"  # MGE drafts in status READY


# Journeys first: ending them lets their own clean-up delete their drafts, so the draft phases
# only meet what no journey will take care of.
PHASES = list(SweepPhase)
JOURNEY_STAGE = {SweepPhase.OPEN_JOURNEYS: Stage.OPEN, SweepPhase.READY_JOURNEYS: Stage.READY}
DRAFT_STATUS = {
    SweepPhase.DRAFT_DRAFTS: DraftStatus.DRAFT,
    SweepPhase.READY_DRAFTS: DraftStatus.READY,
}


class SweepCursor(SweepModel):
    """Where the sweep is: a phase, plus a visibility page token (journeys) or a position in
    MGE's draft listing (drafts) and MGE's page size once seen."""

    phase: SweepPhase
    page_token: str | None = None  # base64: raw bytes do not survive JSON
    position: int = 0
    page_size: int | None = None


class SweepError(SweepModel):
    target: str  # a workflow id, a draft id or a phase
    type: str
    message: str


class SweepReport(SweepModel):
    """A sweep's result: counts per action, the targets acted on, errors. In a dry run the
    actions are what the sweep would have done."""

    dry_run: bool
    started_at: datetime
    finished_at: datetime | None = None
    counts: dict[SweepAction, int] = Field(default_factory=dict)
    ids: dict[SweepAction, list[str]] = Field(default_factory=dict)
    errors: list[SweepError] = Field(default_factory=list)
    error_count: int = 0
    batches: int = 0
    runs: int = 1

    def add(self, action: SweepAction, target: str) -> None:
        self.counts[action] = self.counts.get(action, 0) + 1
        if action in ACTS:
            listed = self.ids.setdefault(action, [])
            if len(listed) < MAX_IDS_PER_ACTION:
                listed.append(target)

    def fail(self, target: str, type_: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(
                SweepError(target=target, type=type_, message=message[:MAX_ERROR_MESSAGE])
            )

    def count(self, action: SweepAction) -> int:
        return self.counts.get(action, 0)


class SweepProgress(SweepModel):
    """Everything a sweep carries across continue-as-new. `cursor` is None when it is done."""

    cursor: SweepCursor | None = Field(
        default_factory=lambda: SweepCursor(phase=SweepPhase.OPEN_JOURNEYS)
    )
    report: SweepReport


class SweepInput(SweepModel):
    policy: SweepPolicy = Field(default_factory=SweepPolicy)
    dry_run: bool = False
    #: Set only by the sweep itself when it continues as new.
    progress: SweepProgress | None = None


# -- activity messages ---------------------------------------------------------------------------


class JourneyPageRequest(SweepModel):
    stage: Stage
    task_queue: str
    last_activity_before: datetime
    page_size: int
    page_token: str | None = None


class JourneyPage(SweepModel):
    workflow_ids: list[str]
    page_token: str | None = None  # None: no more pages


class EndJourneyRequest(SweepModel):
    workflow_id: str
    idle_before: datetime  # OPEN: last activity before this is idle
    ready_until_before: datetime  # READY: a payment window that closed before this has passed
    dry_run: bool


class DraftScanRequest(SweepModel):
    status: str
    updated_before: datetime
    position: int
    page_size: int | None
    batch_size: int


class DraftScan(SweepModel):
    """One window of MGE's listing: how many drafts it held, which are candidates and owned or
    orphaned, and whether it reached the end of the listing."""

    size: int
    orphans: list[int] = Field(default_factory=list)
    owned: list[int] = Field(default_factory=list)
    page_size: int | None = None
    last: bool


class DeleteDraftRequest(SweepModel):
    draft_id: int
    status: str  # the listing it was found in
    updated_before: datetime


class DraftOutcome(SweepModel):
    action: SweepAction
    #: False once the draft no longer appears in the listing it was found in (deleted, or its
    #: status changed), which moves every later draft one position up.
    listed: bool
