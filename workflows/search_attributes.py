"""Typed search attributes every journey keeps current, for operators (Web UI, CLI, sweep).

None of them holds personal data: brand, the partner's reference, MGE ids, stage, time.
"""

from temporalio.common import SearchAttributeKey

BRAND_ID = SearchAttributeKey.for_int("MgeBrandId")
REFERENCE = SearchAttributeKey.for_keyword("MgeReference")
DRAFT_ID = SearchAttributeKey.for_keyword("MgeDraftId")
ORDER_ID = SearchAttributeKey.for_keyword("MgeOrderId")
STAGE = SearchAttributeKey.for_keyword("MgeStage")
LAST_ACTIVITY_AT = SearchAttributeKey.for_datetime("MgeLastActivityAt")

ALL: list[SearchAttributeKey] = [BRAND_ID, REFERENCE, DRAFT_ID, ORDER_ID, STAGE, LAST_ACTIVITY_AT]
