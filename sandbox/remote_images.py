"""Fetching an image by URL for `assets/from-url/`, streamed to a spooled file under a limit."""

from __future__ import annotations

import tempfile
from typing import IO

import httpx

FETCH_TIMEOUT_SECONDS = 10.0
_SPOOL_IN_MEMORY_BYTES = 1024 * 1024


class FetchFailed(Exception):
    """The URL did not yield an image body; the message is safe to show the caller."""


async def fetch_to_file(url: str, max_bytes: int) -> IO[bytes]:
    """Download `url` into a spooled temporary file (the caller closes it)."""
    # Returned open, so no `with`: every failure path below closes it instead.
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY_BYTES)  # noqa: SIM115
    try:
        async with (
            httpx.AsyncClient(timeout=FETCH_TIMEOUT_SECONDS, follow_redirects=True) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code != 200:
                raise FetchFailed(f"Could not fetch the image: HTTP {response.status_code}.")
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise FetchFailed(f"The image is larger than {max_bytes} bytes.")
                spool.write(chunk)
    except httpx.HTTPError as exc:
        spool.close()
        raise FetchFailed(f"Could not fetch the image: {type(exc).__name__}.") from exc
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool
