"""Customer photos as async byte streams, probed before anything is sent to MGE.

A reference is an `https://` or `http://` URL, a `file://` URL or a local path. Opening it reads
just enough of the head to learn the format and pixel size (Pillow reads only the header), refuses
what MGE would refuse (not an image, not JPEG/PNG/WebP, over the size limit) and then streams
the rest, so an upload never holds the whole file in memory. Error messages never repeat the
reference: signed URLs and file names can carry secrets or a shopper's name.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Collection, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

import httpx
from PIL import Image, UnidentifiedImageError

from mge.settings import MgeSettings

CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
CHUNK_BYTES = 256 * 1024
# Enough for any real header: JPEG EXIF/ICC blocks before the frame header stay far below this.
PROBE_LIMIT_BYTES = 4 * 1024 * 1024


class ImageRejected(ValueError):
    """The image is not something MGE accepts; sending it again will not help."""


class ImageUnavailable(Exception):
    """The image could not be read. `transient` says whether trying later may help."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class ProbedImage:
    format: str
    width: int
    height: int
    size: int | None  # bytes, when the source says so up front

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]

    @property
    def filename(self) -> str:
        # Never the caller's own file name: it may carry personal data.
        return f"image.{EXTENSIONS[self.format]}"


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


class ImageStream:
    """An opened, probed image: `probe` tells what it is; `chunks()` yields every byte once."""

    def __init__(
        self, probe: ProbedImage, head: bytes, rest: AsyncIterator[bytes], max_bytes: int
    ) -> None:
        self.probe = probe
        self._head = head
        self._rest = rest
        self._max_bytes = max_bytes
        self._consumed = False

    async def chunks(self) -> AsyncIterator[bytes]:
        if self._consumed:
            raise RuntimeError("an image stream can be read once; open the source again")
        self._consumed = True
        sent = len(self._head)
        yield self._head
        async for chunk in self._rest:
            sent += len(chunk)
            if sent > self._max_bytes:  # sources that did not announce their size
                raise ImageRejected(
                    f"the image is larger than the {_megabytes(self._max_bytes)} limit: "
                    "resize or compress it"
                )
            yield chunk


class ImageOpener:
    """Opens image references. Its HTTP client never carries MGE credentials."""

    def __init__(
        self,
        *,
        max_bytes: int,
        http: httpx.AsyncClient | None = None,
        fetch_timeout: float = 30.0,
        min_side: int = 1,
        sources: Collection[str] = ("https", "http", "file"),
    ) -> None:
        self.max_bytes = max_bytes
        self.min_side = min_side
        self.sources = frozenset(sources)
        self._own_http = http is None
        self._http = http or httpx.AsyncClient(
            timeout=fetch_timeout, follow_redirects=True, headers={"User-Agent": "mgeflow"}
        )

    @classmethod
    def from_settings(cls, settings: MgeSettings) -> ImageOpener:
        """The opener a worker uses: every limit from the one settings object."""
        return cls(
            max_bytes=settings.max_image_bytes,
            min_side=settings.min_image_side,
            sources=settings.allowed_image_sources,
            fetch_timeout=settings.image_fetch_timeout,
        )

    async def aclose(self) -> None:
        if self._own_http:
            await self._http.aclose()

    async def probe(self, reference: str) -> ProbedImage:
        """Format, pixel size and byte size, reading only the head of the source."""
        async with self.open(reference) as image:
            return image.probe

    @asynccontextmanager
    async def open(self, reference: str) -> AsyncIterator[ImageStream]:
        async with self._source(reference) as (size, raw):
            if size is not None and size > self.max_bytes:
                raise ImageRejected(
                    f"the image is {_megabytes(size)}; the limit is "
                    f"{_megabytes(self.max_bytes)}: resize or compress it"
                )
            head, probe = await self._probe(raw, size)
            yield ImageStream(probe, head, raw, self.max_bytes)

    async def _probe(
        self, raw: AsyncIterator[bytes], size: int | None
    ) -> tuple[bytes, ProbedImage]:
        head = bytearray()
        async for chunk in raw:
            head += chunk
            probe = self._identify(bytes(head), size)
            if probe is not None:
                return bytes(head), probe
            if len(head) >= PROBE_LIMIT_BYTES:
                break
        if not head:
            raise ImageRejected("the image is empty")
        raise ImageRejected("the file is not an image: use a JPEG, PNG or WebP photo")

    def _identify(self, head: bytes, size: int | None) -> ProbedImage | None:
        try:
            with Image.open(io.BytesIO(head)) as image:
                fmt, (width, height) = image.format or "", image.size
        except Image.DecompressionBombError as exc:
            raise ImageRejected("the image has too many pixels: resize it") from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            return None  # not enough bytes yet, or not an image at all
        if fmt not in CONTENT_TYPES:
            raise ImageRejected(f"{fmt or 'this'} images are not accepted: use JPEG, PNG or WebP")
        if min(width, height) < self.min_side:
            raise ImageRejected(
                f"the image is too small ({width}x{height} pixels): it needs at least "
                f"{self.min_side} pixels on its shorter side for a sharp print"
            )
        return ProbedImage(format=fmt, width=width, height=height, size=size)

    @asynccontextmanager
    async def _source(
        self, reference: str
    ) -> AsyncIterator[tuple[int | None, AsyncIterator[bytes]]]:
        parts = urlsplit(reference)
        kind = (
            "file"
            if parts.scheme in ("", "file") or _is_windows_drive(parts.scheme)
            else parts.scheme
        )
        if kind in ("https", "http", "file") and kind not in self.sources:
            raise ImageRejected(
                f"{kind} image references are not accepted here: use "
                + " or ".join(f"{source}://" for source in sorted(self.sources))
            )
        if parts.scheme in ("http", "https"):
            async with self._http_source(reference) as source:
                yield source
        elif parts.scheme == "file" or parts.scheme == "" or _is_windows_drive(parts.scheme):
            path = Path(unquote(parts.path)) if parts.scheme == "file" else Path(reference)
            with _open_file(path) as file:
                yield path.stat().st_size, _file_chunks(file)
        else:
            raise ImageRejected(
                f"unsupported image reference scheme `{parts.scheme}`: use https://, http://, "
                "file:// or a local path"
            )

    @asynccontextmanager
    async def _http_source(
        self, url: str
    ) -> AsyncIterator[tuple[int | None, AsyncIterator[bytes]]]:
        try:
            async with self._http.stream("GET", url) as response:
                if response.status_code >= 400:
                    transient = (
                        response.status_code in (408, 425, 429) or response.status_code >= 500
                    )
                    raise ImageUnavailable(
                        f"the image URL answered HTTP {response.status_code}", transient=transient
                    )
                # A compressed answer's length is not the image's size; count it while streaming.
                length = response.headers.get("Content-Length")
                encoded = response.headers.get("Content-Encoding", "identity") != "identity"
                size = int(length) if length and length.isdigit() and not encoded else None
                yield size, response.aiter_bytes(CHUNK_BYTES)
        except httpx.TransportError as exc:
            raise ImageUnavailable(
                f"the image URL could not be read ({type(exc).__name__})", transient=True
            ) from exc
        except httpx.HTTPError as exc:  # an invalid URL, a redirect loop: trying again won't help
            raise ImageUnavailable(
                f"the image URL cannot be used ({type(exc).__name__})", transient=False
            ) from exc


def _is_windows_drive(scheme: str) -> bool:
    return len(scheme) == 1  # "C:\\photo.jpg" parses with scheme "c"


@contextmanager
def _open_file(path: Path) -> Iterator[BinaryIO]:
    try:
        file = path.open("rb")
    except FileNotFoundError as exc:
        raise ImageUnavailable("the image file does not exist", transient=False) from exc
    except (IsADirectoryError, PermissionError) as exc:
        raise ImageUnavailable(
            f"the image file cannot be read ({type(exc).__name__})", transient=False
        ) from exc
    with file:
        yield file


async def _file_chunks(file: BinaryIO) -> AsyncIterator[bytes]:
    while chunk := await asyncio.to_thread(file.read, CHUNK_BYTES):
        yield chunk
