"""Structured logging for every mgeflow process, configured once at the edge (the CLI)."""

from __future__ import annotations

import logging
import sys

import structlog
from temporalio import activity as temporal_activity
from temporalio import workflow as temporal_workflow


def configure_logging(level: str = "INFO", *, json: bool = False) -> None:
    """Route structlog and stdlib logging (temporalio, uvicorn, httpx) to one stream on stderr."""
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    # Temporal's workflow/activity loggers put workflow id, run id and type on the record's
    # extras; lift them into the event instead of appending them to the message text.
    foreign: list[structlog.types.Processor] = [
        *shared,
        structlog.stdlib.ExtraAdder(),
        _lift_temporal_context,
    ]
    temporal_workflow.logger.workflow_info_on_message = False
    temporal_activity.logger.activity_info_on_message = False
    # Tracebacks never show local variables: they can hold shipping data or keys.
    renderers: list[structlog.types.Processor] = (
        [
            structlog.processors.ExceptionRenderer(
                structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
            ),
            structlog.processors.JSONRenderer(),
        ]
        if json
        else [
            structlog.dev.ConsoleRenderer(
                colors=sys.stderr.isatty(), exception_formatter=structlog.dev.plain_traceback
            )
        ]
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=foreign,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                *renderers,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # httpx logs every request line at INFO, URLs included; ours are logged without secrets.
    logging.getLogger("httpx").setLevel(logging.WARNING)


def _lift_temporal_context(
    _logger: object, _method: str, event: structlog.types.EventDict
) -> structlog.types.EventDict:
    """`temporal_workflow={...}` / `temporal_activity={...}` become flat, greppable keys; the
    partner's reference is the last part of every journey id (`draft/116/cart-42`)."""
    event.pop("__temporal_error_identifier", None)  # the SDK's internal marker
    for key in ("temporal_workflow", "temporal_activity"):
        info = event.pop(key, None)
        if not isinstance(info, dict):
            continue
        workflow_id = info.get("workflow_id")
        event["workflow_id"] = workflow_id
        event["run_id"] = info.get("run_id") or info.get("workflow_run_id")
        if isinstance(workflow_id, str) and workflow_id.count("/") >= 2:
            event["reference"] = workflow_id.split("/", 2)[2]
        if "activity_type" in info:
            event["activity"] = info["activity_type"]
            event["attempt"] = info.get("attempt")
    return event
