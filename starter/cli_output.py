"""How `mgeflow` commands read input and end: JSON files, readable output, one-line errors."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import time
from collections.abc import Awaitable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import typer
from pydantic import BaseModel

from starter.errors import InvalidInput, MgeflowError, TemporalUnavailable

T = TypeVar("T")
EXIT_FAILED, EXIT_USAGE = 1, 2
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def finish(text: str = "", code: int = 0) -> NoReturn:
    """Print and exit at once. `os._exit` skips interpreter teardown, during which the Temporal
    client's Rust threads can abort the process (temporalio/sdk-python#300) and turn a success
    into exit code 134."""
    if text:
        (sys.stdout if code == 0 else sys.stderr).write(text.rstrip("\n") + "\n")
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def fail(
    message: str, code: int = EXIT_FAILED, field_errors: dict[str, list[str]] | None = None
) -> NoReturn:
    lines = [f"error: {message}"]
    lines += [f"  {field}: {' '.join(errors)}" for field, errors in (field_errors or {}).items()]
    finish("\n".join(lines), code)


def fail_with(error: MgeflowError) -> NoReturn:
    message = error.message
    if isinstance(error, TemporalUnavailable):
        message += f" ({TemporalUnavailable.hint})"
    fail(
        message, EXIT_USAGE if isinstance(error, InvalidInput) else EXIT_FAILED, error.field_errors
    )


def run(call: Awaitable[T], *, waiting_for: str | None = None) -> T:
    """Run one SDK call; while it waits on MGE, say so on stderr."""

    async def main() -> T:
        task = asyncio.ensure_future(call)
        if waiting_for:
            await _progress(task, waiting_for)
        return await task

    try:
        return asyncio.run(main())
    except MgeflowError as error:
        fail_with(error)


async def _progress(task: asyncio.Future[Any], what: str) -> None:
    started, tty = time.monotonic(), sys.stderr.isatty()
    while not task.done():
        await asyncio.wait([task], timeout=1.0)
        elapsed = int(time.monotonic() - started)
        if task.done() or (not tty and elapsed % 5):
            continue
        line = f"waiting for {what}… {elapsed}s"
        sys.stderr.write("\r" + line if tty else line + "\n")
        sys.stderr.flush()
    if tty:
        sys.stderr.write("\r\033[K")


def read_json(file: Path | None, data: str | None, what: str) -> Any:
    """JSON from `--file PATH` (`-` for stdin) or inline `--data`; errors say which and why."""
    if (file is None) == (data is None):
        fail(f"give {what} with exactly one of --file PATH or --data JSON", EXIT_USAGE)
    source = "--data"
    try:
        if file is not None:
            source = f"--file {file}"
            text = sys.stdin.read() if str(file) == "-" else file.read_text()
        else:
            text = data or ""
        return json.loads(text)
    except FileNotFoundError:
        fail(f"{source}: no such file", EXIT_USAGE)
    except (IsADirectoryError, PermissionError) as exc:
        fail(f"{source}: cannot read it ({type(exc).__name__})", EXIT_USAGE)
    except json.JSONDecodeError as exc:
        fail(
            f"{source} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
            EXIT_USAGE,
        )


def parse_duration(text: str | None) -> timedelta | None:
    """`90s`, `30m`, `24h`, `3d`."""
    if text is None:
        return None
    match = _DURATION.match(text.strip())
    if not match:
        raise typer.BadParameter(f"{text!r} is not a duration: use e.g. 90s, 30m, 24h or 3d")
    return timedelta(**{_UNITS[match.group(2)]: float(match.group(1))})


def render(result: Any, as_json: bool, columns: Sequence[str] | None = None) -> str:
    """JSON (`--json`) or a readable table / listing."""
    data = _jsonable(result)
    if as_json:
        return json.dumps(data, indent=2)
    if isinstance(data, list):
        return _table(data, columns) if data else "(none)"
    if isinstance(data, dict):
        return "\n".join(
            f"{key}: {_cell(value)}" for key, value in data.items() if value not in (None, [], {})
        )
    return str(data)


def _jsonable(result: Any) -> Any:
    if isinstance(result, BaseModel):
        return result.model_dump(mode="json")
    if isinstance(result, list):
        return [_jsonable(item) for item in result]
    return result


def _table(rows: list[Any], columns: Sequence[str] | None) -> str:
    dicts = [row if isinstance(row, dict) else {"value": row} for row in rows]
    names = list(columns or dicts[0].keys())
    cells = [[_cell(row.get(name)) for name in names] for row in dicts]
    widths = [max(len(name), *(len(line[i]) for line in cells)) for i, name in enumerate(names)]
    lines = ["  ".join(name.upper().ljust(w) for name, w in zip(names, widths, strict=True))]
    lines += [
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)) for line in cells
    ]
    return "\n".join(line.rstrip() for line in lines)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)
