"""Workflow ids: one helper builds them all, so operators can find any journey by its reference."""

from __future__ import annotations

import re
from enum import StrEnum

# A partner's own cart/order reference; it appears in ids, so it must never be personal data.
REFERENCE_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,128}")
REFERENCE_RULE = "1-128 characters of letters, digits and . _ : -"
# Where workers poll and journeys run, unless MGEFLOW_TASK_QUEUE says otherwise.
DEFAULT_TASK_QUEUE = "mgeflow"


class Journey(StrEnum):
    DRAFT_ORDER = "draft"
    PREVIEW_SELECTION = "preview"
    DIRECT_ORDER = "order"


def check_reference(reference: str) -> str:
    if not REFERENCE_PATTERN.fullmatch(reference):
        raise ValueError(f"reference must be {REFERENCE_RULE}")
    return reference


def journey_id(journey: Journey, brand_id: int, reference: str) -> str:
    """`draft/116/cart-42`: the kind of journey, the brand and the partner's reference."""
    if brand_id <= 0:
        raise ValueError("brand_id must be a positive integer")
    return f"{journey.value}/{brand_id}/{check_reference(reference)}"
