"""SQLite persistence: every draft, order, preview, asset and idempotency key survives a restart.

Records are JSON documents beside the few columns queries need. The connection runs in
autocommit mode; `transaction()` groups writes that must land together.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sandbox.records import (
    Asset,
    Draft,
    IdempotencyEntry,
    Order,
    Preview,
    PreviewOption,
    RequestLogEntry,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS drafts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    brand_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS orders (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS previews (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS preview_options (
    id TEXT PRIMARY KEY,
    preview_id TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS assets (
    token TEXT PRIMARY KEY,
    doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS idempotency_keys (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    order_id TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE TABLE IF NOT EXISTS request_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    status INTEGER,
    fault TEXT
);
"""

# Wiped by reset. AUTOINCREMENT keeps counting across a reset, so a journey left over from an
# earlier test can never address a draft that a later test created.
_STATE_TABLES = (
    "drafts",
    "orders",
    "previews",
    "preview_options",
    "assets",
    "idempotency_keys",
    "request_log",
)


def _dump(doc: object) -> str:
    return json.dumps(doc, separators=(",", ":"))


class Store:
    def __init__(self, db_path: str) -> None:
        if db_path != ":memory:":
            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
        # Routes run on the event loop, but a lock keeps the store safe if one ever runs in
        # FastAPI's thread pool.
        self._lock = threading.RLock()
        self._in_transaction = False
        with self._lock:
            if db_path != ":memory:":
                # WAL + NORMAL: commits survive a process kill without an fsync per request.
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside commit together; a nested call joins the outer transaction."""
        with self._lock:
            if self._in_transaction:
                yield
                return
            self._db.execute("BEGIN IMMEDIATE")
            self._in_transaction = True
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT")
            finally:
                self._in_transaction = False

    def wipe(self) -> None:
        with self.transaction():
            for table in _STATE_TABLES:
                self._db.execute(f"DELETE FROM {table}")

    # --- drafts ---------------------------------------------------------------------------

    def insert_draft(self, draft: Draft) -> Draft:
        """Store a new draft; the database assigns its id."""
        with self.transaction():
            cursor = self._db.execute(
                "INSERT INTO drafts (brand_id, status, created_at, doc) VALUES (?, ?, ?, '{}')",
                (draft.brand_id, draft.status, draft.created_at),
            )
            assert cursor.lastrowid is not None
            draft.id = cursor.lastrowid
            self._write_draft(draft)
        return draft

    def save_draft(self, draft: Draft) -> None:
        with self._lock:
            self._write_draft(draft)

    def _write_draft(self, draft: Draft) -> None:
        self._db.execute(
            "UPDATE drafts SET brand_id = ?, status = ?, deleted = ?, created_at = ?, doc = ?"
            " WHERE id = ?",
            (
                draft.brand_id,
                draft.status,
                int(draft.deleted),
                draft.created_at,
                _dump(draft.to_doc()),
                draft.id,
            ),
        )

    def get_draft(self, draft_id: int) -> Draft | None:
        with self._lock:
            row = self._db.execute("SELECT doc FROM drafts WHERE id = ?", (draft_id,)).fetchone()
        return Draft.from_doc(json.loads(row[0])) if row else None

    def list_drafts(
        self, brand_ids: tuple[int, ...], status: str | None = None, include_deleted: bool = False
    ) -> list[Draft]:
        """Drafts of the given brands, newest first."""
        if not brand_ids:
            return []
        query = f"SELECT doc FROM drafts WHERE brand_id IN ({','.join('?' * len(brand_ids))})"
        params: list[object] = list(brand_ids)
        if status is not None:
            query += " AND status = ?"
            params.append(status)
        if not include_deleted:
            query += " AND deleted = 0"
        query += " ORDER BY created_at DESC, id DESC"
        with self._lock:
            rows = self._db.execute(query, params).fetchall()
        return [Draft.from_doc(json.loads(row[0])) for row in rows]

    def all_drafts(self) -> list[Draft]:
        with self._lock:
            rows = self._db.execute("SELECT doc FROM drafts ORDER BY id").fetchall()
        return [Draft.from_doc(json.loads(row[0])) for row in rows]

    # --- orders ---------------------------------------------------------------------------

    def order_id_taken(self, order_id: str) -> bool:
        with self._lock:
            row = self._db.execute("SELECT 1 FROM orders WHERE id = ?", (order_id,)).fetchone()
        return row is not None

    def insert_order(self, order: Order) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO orders (id, seq, doc) VALUES"
                " (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM orders), ?)",
                (order.id, _dump(order.to_doc())),
            )

    def save_order(self, order: Order) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE orders SET doc = ? WHERE id = ?", (_dump(order.to_doc()), order.id)
            )

    def get_order(self, order_id: str) -> Order | None:
        with self._lock:
            row = self._db.execute("SELECT doc FROM orders WHERE id = ?", (order_id,)).fetchone()
        return Order.from_doc(json.loads(row[0])) if row else None

    def all_orders(self) -> list[Order]:
        with self._lock:
            rows = self._db.execute("SELECT doc FROM orders ORDER BY seq").fetchall()
        return [Order.from_doc(json.loads(row[0])) for row in rows]

    # --- idempotency keys -----------------------------------------------------------------

    def get_idempotency(self, scope: str, key: str) -> IdempotencyEntry | None:
        with self._lock:
            row = self._db.execute(
                "SELECT body_hash, order_id, created_at FROM idempotency_keys"
                " WHERE scope = ? AND key = ?",
                (scope, key),
            ).fetchone()
        return IdempotencyEntry(*row) if row else None

    def put_idempotency(self, scope: str, key: str, entry: IdempotencyEntry) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO idempotency_keys"
                " (scope, key, body_hash, order_id, created_at) VALUES (?, ?, ?, ?, ?)",
                (scope, key, entry.body_hash, entry.order_id, entry.created_at),
            )

    # --- previews -------------------------------------------------------------------------

    def insert_preview(self, preview: Preview) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO previews (id, seq, doc) VALUES"
                " (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM previews), ?)",
                (preview.id, _dump(preview.to_doc())),
            )

    def save_preview(self, preview: Preview) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE previews SET doc = ? WHERE id = ?", (_dump(preview.to_doc()), preview.id)
            )

    def get_preview(self, preview_id: str) -> Preview | None:
        with self._lock:
            row = self._db.execute(
                "SELECT doc FROM previews WHERE id = ?", (preview_id,)
            ).fetchone()
        return Preview.from_doc(json.loads(row[0])) if row else None

    def all_previews(self) -> list[Preview]:
        with self._lock:
            rows = self._db.execute("SELECT doc FROM previews ORDER BY seq").fetchall()
        return [Preview.from_doc(json.loads(row[0])) for row in rows]

    def save_preview_option(self, option: PreviewOption) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO preview_options (id, preview_id, doc) VALUES (?, ?, ?)",
                (option.id, option.preview_id, _dump(option.to_doc())),
            )

    def get_preview_option(self, option_id: str) -> PreviewOption | None:
        with self._lock:
            row = self._db.execute(
                "SELECT doc FROM preview_options WHERE id = ?", (option_id,)
            ).fetchone()
        return PreviewOption.from_doc(json.loads(row[0])) if row else None

    def preview_options_of(self, preview: Preview) -> list[PreviewOption]:
        """The options of the preview's current generation, in generation order."""
        options = [self.get_preview_option(option_id) for option_id in preview.option_ids]
        return [option for option in options if option is not None]

    # --- assets ---------------------------------------------------------------------------

    def insert_asset(self, asset: Asset) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO assets (token, doc) VALUES (?, ?)",
                (asset.token, _dump(asset.to_doc())),
            )

    def get_asset(self, token: str) -> Asset | None:
        with self._lock:
            row = self._db.execute("SELECT doc FROM assets WHERE token = ?", (token,)).fetchone()
        return Asset.from_doc(json.loads(row[0])) if row else None

    # --- request log ----------------------------------------------------------------------

    def log_request(self, method: str, path: str) -> int:
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO request_log (method, path) VALUES (?, ?)", (method, path)
            )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def finish_request(self, entry_id: int, status: int | None, fault: str | None) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE request_log SET status = ?, fault = ? WHERE id = ?",
                (status, fault, entry_id),
            )

    def request_log(self) -> list[RequestLogEntry]:
        with self._lock:
            rows = self._db.execute(
                "SELECT method, path, status, fault FROM request_log ORDER BY id"
            ).fetchall()
        return [RequestLogEntry(*row) for row in rows]
