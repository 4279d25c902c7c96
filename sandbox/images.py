"""Probing uploaded images with Pillow straight from their (spooled) files.

Only headers are parsed and `verify()` streams through the file, so a 50 MB upload is never
decoded or held in memory whole.
"""

from __future__ import annotations

import io
import os
import zlib
from dataclasses import dataclass
from typing import IO

from PIL import Image, UnidentifiedImageError

from sandbox.records import Photo

ASSET_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


class NotAnImage(ValueError):
    """The file is not a JPEG, PNG or WebP image Pillow can read."""


@dataclass(frozen=True)
class ImageInfo:
    content_type: str
    width: int
    height: int


def file_size(file: IO[bytes]) -> int:
    file.seek(0, os.SEEK_END)
    size = file.tell()
    file.seek(0)
    return size


def probe_image(file: IO[bytes]) -> ImageInfo:
    """Identify and sanity-check an asset image; raise NotAnImage otherwise."""
    file.seek(0)
    try:
        with Image.open(file, formats=list(ASSET_FORMATS)) as image:
            fmt, width, height = image.format, image.width, image.height
            image.verify()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError) as exc:
        raise NotAnImage(str(exc)) from exc
    finally:
        file.seek(0)
    if fmt not in ASSET_FORMATS:
        raise NotAnImage(f"unsupported format {fmt}")
    return ImageInfo(ASSET_FORMATS[fmt], width, height)


def probe_photo(file: IO[bytes], content_type: str | None) -> Photo:
    """What a preview remembers of its photo; an undecodable photo fails the preview later."""
    size = file_size(file)
    try:
        info = probe_image(file)
    except NotAnImage:
        return Photo(content_type=content_type, size=size, decodable=False)
    return Photo(
        content_type=info.content_type,
        size=size,
        decodable=True,
        width=info.width,
        height=info.height,
    )


def placeholder_png(seed: str, width: int = 160, height: int = 200) -> bytes:
    """A solid-colour stand-in for a generated preview or mockup, stable per seed."""
    digest = zlib.crc32(seed.encode())
    colour = (digest & 0xFF, (digest >> 8) & 0xFF, (digest >> 16) & 0xFF)
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="PNG")
    return buffer.getvalue()
