from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from mge import ImageOpener, MgeClient, MgeSettings
from mge.settings import DEFAULT_MAX_IMAGE_BYTES


@pytest.fixture
def settings(sandbox) -> MgeSettings:
    return MgeSettings(base_url=sandbox.api_url, api_key=sandbox.api_key)


@pytest.fixture
async def mge(settings: MgeSettings) -> AsyncIterator[MgeClient]:
    async with MgeClient(settings) as client:
        yield client


@pytest.fixture
async def images() -> AsyncIterator[ImageOpener]:
    opener = ImageOpener(max_bytes=DEFAULT_MAX_IMAGE_BYTES)
    yield opener
    await opener.aclose()
