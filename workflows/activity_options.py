"""Timeouts and retries of MGE activities, by what the caller is waiting for."""

from __future__ import annotations

from datetime import timedelta
from typing import TypedDict

from temporalio.common import RetryPolicy


class ActivityOptions(TypedDict, total=False):
    start_to_close_timeout: timedelta
    schedule_to_close_timeout: timedelta
    heartbeat_timeout: timedelta
    retry_policy: RetryPolicy


# Edits answer a waiting caller: retry transient MGE trouble for a while, then tell the caller.
EDIT: ActivityOptions = {
    "start_to_close_timeout": timedelta(seconds=30),
    "schedule_to_close_timeout": timedelta(minutes=2),
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=15)
    ),
}
UPLOAD: ActivityOptions = {
    **EDIT,
    "start_to_close_timeout": timedelta(minutes=5),
    "schedule_to_close_timeout": timedelta(minutes=10),
    "heartbeat_timeout": timedelta(seconds=30),
}
# Once the shopper has paid, the order must happen: retry until MGE answers, however long that
# takes. The heartbeat lets another worker take over quickly after a crash.
ORDER: ActivityOptions = {
    "start_to_close_timeout": timedelta(minutes=2),
    "heartbeat_timeout": timedelta(seconds=10),
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=5)
    ),
}
# Polling preview generation through activity retries: the backoff spaces the polls and history
# records only the outcome; generation that takes longer than this counts as failed.
PREVIEW_POLL: ActivityOptions = {
    "start_to_close_timeout": timedelta(seconds=30),
    "schedule_to_close_timeout": timedelta(minutes=30),
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(seconds=1),
        backoff_coefficient=1.5,
        maximum_interval=timedelta(seconds=30),
    ),
}
# Background reads and clean-up: nobody waits, so be patient with MGE.
BACKGROUND: ActivityOptions = {
    "start_to_close_timeout": timedelta(seconds=30),
    "schedule_to_close_timeout": timedelta(hours=1),
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(seconds=5), maximum_interval=timedelta(minutes=5)
    ),
}
