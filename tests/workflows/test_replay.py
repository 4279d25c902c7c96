"""Every committed journey history still replays on the current code. A failure here means a
change would break journeys that are running in production: guard it with `workflow.patched`.
Record new histories with `MGEFLOW_RECORD_HISTORIES=1 pytest tests/workflows`."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from tests.workflows.conftest import HISTORIES
from worker import WORKFLOWS

RECORDED = sorted(HISTORIES.glob("*.json"))


def test_histories_are_recorded() -> None:
    assert any(p.name.startswith("draft_order_") for p in RECORDED)


@pytest.mark.parametrize("path", RECORDED, ids=lambda p: p.stem)
async def test_history_replays(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    replayer = Replayer(workflows=WORKFLOWS, data_converter=pydantic_data_converter)
    await replayer.replay_workflow(history)
