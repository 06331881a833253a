"""The file: schema versions and their migrations, deciding what a file is before
writing to it (:func:`classify`), and turning SQLite's errors into one-line messages."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from calcquiz.errors import StoreError
from calcquiz.store.rows import _BAD_FLAGS_SQL, _BAD_STATE_SQL, _FLAG_COLUMNS, _STATE_COLUMNS

SCHEMA_VERSION = 5
BUSY_TIMEOUT_MS = 5000

MIGRATIONS: dict[int, str] = {
    1: """
        CREATE TABLE card_state (
            deck TEXT NOT NULL,
            card_id TEXT NOT NULL,
            state INTEGER NOT NULL,
            step INTEGER,
            stability REAL,
            difficulty REAL,
            due REAL NOT NULL,          -- epoch seconds, UTC
            last_review REAL,
            reps INTEGER NOT NULL DEFAULT 0,
            lapses INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (deck, card_id)
        ) WITHOUT ROWID;
        CREATE INDEX card_state_due ON card_state (deck, due);
        CREATE TABLE review_log (
            id INTEGER PRIMARY KEY,
            deck TEXT NOT NULL,
            card_id TEXT NOT NULL,
            rating INTEGER NOT NULL,     -- 1 Again, 2 Hard, 3 Good, 4 Easy
            reviewed_at REAL NOT NULL,   -- epoch seconds, UTC
            duration_ms INTEGER,
            state_before INTEGER NOT NULL,
            state_after INTEGER NOT NULL,
            before_json TEXT,            -- full card state before (NULL for a new card)
            after_json TEXT NOT NULL,
            cram INTEGER NOT NULL DEFAULT 0
        );
        -- every time-range query is per deck: today's count, new cards today, the heatmap
        CREATE INDEX review_log_deck_time ON review_log (deck, reviewed_at);
        -- covers the true-retention count without reading the table
        CREATE INDEX review_log_state ON review_log (state_before, cram, deck, rating);
    """,
    2: """
        CREATE TABLE drill_log (
            id INTEGER PRIMARY KEY,
            topic TEXT NOT NULL,
            prompt TEXT NOT NULL,
            expected TEXT NOT NULL,
            given TEXT,
            correct INTEGER NOT NULL,
            duration_ms INTEGER,
            answered_at REAL NOT NULL
        );
        CREATE INDEX drill_log_topic ON drill_log (topic);
    """,
    3: """
        CREATE TABLE card_flags (
            deck TEXT NOT NULL,
            card_id TEXT NOT NULL,
            suspended INTEGER NOT NULL DEFAULT 0,
            buried_until REAL,           -- epoch seconds: hidden until the next day starts
            leech INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (deck, card_id)
        ) WITHOUT ROWID;
    """,
    4: """
        ALTER TABLE review_log ADD COLUMN kind TEXT NOT NULL DEFAULT 'recall';
        ALTER TABLE drill_log ADD COLUMN review_id INTEGER;
        CREATE INDEX drill_log_review ON drill_log (review_id) WHERE review_id IS NOT NULL;
    """,
    5: f"""
        -- a session's queues need (card id, state, due) of the cards due soon: with state in
        -- the index (card id is in it already, as the key of a WITHOUT ROWID table) they
        -- are read from the index alone, 6x faster for 9,000 due cards out of 100,000
        DROP INDEX card_state_due;
        CREATE INDEX card_state_due ON card_state (deck, due, state);
        -- Partial indexes of the rows that break the rules (none, normally): the check every
        -- open makes (Store.first_bad_state) reads these instead of every row, 0.05 ms
        -- instead of 66 ms for 100,000 cards. SQLite keeps them up to date on every write,
        -- hand-made ones included. The query must repeat the predicate word for word to use
        -- them: if the rules change, the check stays right (a full scan) until a migration
        -- rebuilds the indexes with the new predicate.
        CREATE INDEX card_state_bad ON card_state (deck) WHERE {_BAD_STATE_SQL};
        CREATE INDEX card_flags_bad ON card_flags (deck) WHERE {_BAD_FLAGS_SQL};
    """,
}
_OUR_TABLES = {"card_state", "review_log", "drill_log", "card_flags"}


def busy_timeout_ms() -> int:
    """How long a write waits for another process's transaction before failing.

    ``CALCQUIZ_BUSY_TIMEOUT_MS`` overrides the default (tests use a short one)."""
    raw = os.environ.get("CALCQUIZ_BUSY_TIMEOUT_MS", "")
    return int(raw) if raw.isdigit() else BUSY_TIMEOUT_MS


def store_error(path: Path, exc: BaseException) -> StoreError:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return StoreError(f"{path} is locked by another calcquiz process; try again")
    if "readonly" in text or "read-only" in text:
        return StoreError(f"cannot write {path}: the file or its folder is read-only")
    if "disk is full" in text or "database or disk is full" in text:
        return StoreError(f"cannot write {path}: the disk is full")
    if "disk I/O error" in text:
        return StoreError(
            f"cannot write {path}: disk I/O error (is the disk full, or a file-size limit "
            "reached?)"
        )
    if "not a database" in text or "malformed" in text:
        return StoreError(
            f"{path} is damaged or not a calcquiz database ({text}); run `calcquiz check` "
            "to see what can be saved, then `calcquiz check --repair`"
        )
    return StoreError(f"{path}: {text}")


# The tables and columns each schema version has (a later version only adds to them).
_REQUIRED: dict[int, dict[str, set[str]]] = {
    1: {
        "card_state": set(_STATE_COLUMNS.split(", ")),
        "review_log": {
            "id", "deck", "card_id", "rating", "reviewed_at", "duration_ms", "state_before",
            "state_after", "before_json", "after_json", "cram",
        },
    },
    2: {
        "drill_log": {
            "id", "topic", "prompt", "expected", "given", "correct", "duration_ms",
            "answered_at",
        },
    },
    3: {"card_flags": set(_FLAG_COLUMNS.split(", "))},
    4: {"review_log": {"kind"}, "drill_log": {"review_id"}},
}


def _inspect(path: Path) -> int:
    """Read-only look at an existing SQLite file: its schema version if it is a calcquiz
    store, 0 if it is empty; anything else raises StoreError. Never writes to it."""
    # Without a -wal beside it, read the file as immutable: that creates no -shm/-wal files
    # next to a file we may be about to refuse. With one, a plain read-only open sees it.
    wal = Path(f"{path}-wal")
    flags = "mode=ro" if wal.exists() else "mode=ro&immutable=1"
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?{flags}", uri=True)
    except sqlite3.Error as exc:
        raise store_error(path, exc) from None
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        objects = conn.execute("SELECT type, name FROM sqlite_master").fetchall()
        _check_version(path, version, objects)
        _check_tables(conn, path, version, {name for kind, name in objects if kind == "table"})
        # A file shorter than its header says is truncated: refuse it before writing. (This
        # costs one stat; a full quick_check would read every page, 0.4 s for 1M reviews.
        # Damage inside the file surfaces as "malformed" on the first read instead.)
        if truncated(path):
            raise StoreError(f"{path} is damaged (the file is shorter than its header says)")
        return int(version)
    except sqlite3.Error as exc:
        raise store_error(path, exc) from None
    finally:
        conn.close()


def _check_version(path: Path, version: int, objects: list[tuple[str, str]]) -> None:
    """StoreError unless ``version`` (PRAGMA user_version) is one this calcquiz reads, or 0
    on a file with nothing in it (``objects``: sqlite_master's types and names)."""
    if version == 0 and objects:  # we create our tables and the version in one commit
        kinds = sorted({f"{kind}s" for kind, _ in objects})
        raise StoreError(
            f"{path} is not a calcquiz database (it holds another program's "
            f"{' and '.join(kinds)}); calcquiz leaves it alone"
        )
    if version < 0:
        raise StoreError(f"{path} is not a calcquiz database (schema version {version})")
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path} was written by a newer calcquiz (schema {version}, this one reads "
            f"up to {SCHEMA_VERSION}); upgrade calcquiz to use it"
        )


def _check_tables(conn: sqlite3.Connection, path: Path, version: int, tables: set[str]) -> None:
    """StoreError unless every table schema ``version`` requires has its columns."""
    for v in range(1, version + 1):
        for table, columns in _REQUIRED.get(v, {}).items():
            have = (
                {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
                if table in tables
                else set()
            )
            if not columns <= have:
                raise StoreError(
                    f"{path} is not a calcquiz database (its {table} table is "
                    f"{'different' if have else 'missing'})"
                )


def truncated(path: Path) -> bool:
    """SQLite's header records the page size and (when valid) the page count."""
    with open(path, "rb") as fh:
        header = fh.read(100)
    if len(header) < 100:
        return True
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    change_counter, valid_for = header[24:28], header[92:96]
    if change_counter != valid_for or pages == 0:  # the in-header size is not trustworthy
        return False
    return path.stat().st_size < page_size * pages


def os_error(path: Path, exc: OSError) -> StoreError:
    from calcquiz.paths import describe_os_error

    return StoreError(describe_os_error(exc, path))


def classify(path: Path) -> str:
    """What is at ``path``, decided read-only: "missing", "empty" (a zero-byte file or an
    SQLite file with no tables) or "store" (calcquiz's). Anything else raises StoreError,
    and such a file is never opened for writing."""
    try:
        if not path.exists() and not path.is_symlink():
            return "missing"
        if path.is_dir():
            raise StoreError(f"{path} is a folder, not a calcquiz database")
        if not path.is_file():
            raise StoreError(f"{path} is not a regular file, so not a calcquiz database")
        if path.stat().st_size == 0:
            return "empty"
        with open(path, "rb") as fh:
            header = fh.read(16)
    except OSError as exc:
        raise os_error(path, exc) from None
    if header != b"SQLite format 3\x00":
        raise StoreError(f"{path} is not a calcquiz database (not an SQLite file)")
    return "store" if _inspect_settled(path) > 0 else "empty"


def check_writable(path: Path, kind: str) -> None:
    """StoreError unless the store (``kind`` as :func:`classify` says) can be written: its
    data folder made if missing, the file and folder writable."""
    try:
        if kind == "missing":
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(
                    f"cannot create the data folder {path.parent}: {exc.strerror or exc}"
                ) from None
            if not os.access(path.parent, os.W_OK):
                raise StoreError(f"cannot write to the data folder {path.parent}")
        elif not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
            raise StoreError(f"cannot write {path}: the file or its folder is read-only")
    except OSError as exc:
        raise os_error(path, exc) from None


SETTLED_S = 1.0  # a file unchanged this long is not being written


def _inspect_settled(path: Path) -> int:
    """:func:`_inspect`, read again if it refuses a file that is being written. Its
    immutable read takes no lock, so while another calcquiz creates the store (tables
    and version in one commit, copied into the file as that process closes) it can see
    half of the copy: a new store read as "another program's tables". A refusal stands
    once the file is older than SETTLED_S, or two reads give it with the file (and its
    -wal) unchanged from the first read to the second."""
    deadline = time.monotonic() + busy_timeout_ms() / 1000
    seen: tuple[str, tuple[float, ...]] | None = None
    while True:
        before = _stamp(path)
        try:
            return _inspect(path)
        except StoreError as exc:
            after = _stamp(path)
            settled = time.time() - after[1] / 1e9 > SETTLED_S
            agreed = seen == (str(exc), before) and before == after
            if settled or agreed or time.monotonic() >= deadline:
                raise
            seen = (str(exc), before)
        time.sleep(0.02)


def _stamp(path: Path) -> tuple[float, ...]:
    """What changes when SQLite writes the file or its -wal: their sizes and times."""
    out: list[float] = []
    for file in (path, Path(f"{path}-wal")):
        try:
            st = file.stat()
            out += [st.st_size, st.st_mtime_ns]
        except OSError:
            out += [-1, -1]
    return tuple(out)


def use_wal(conn: sqlite3.Connection, timeout_ms: int) -> None:
    """Put the file in WAL mode. When several processes open a new file at once, each
    tries to switch it, and SQLite refuses all but one at once with "database is locked"
    instead of waiting out the busy timeout: so retry, for as long as that timeout."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.01)


def migrate(conn: sqlite3.Connection) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        for target in range(version + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS[target].split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {target}")
        conn.execute("COMMIT")
    except BaseException:
        # SQLite has rolled back already after some errors (a full disk, a file-size
        # limit): a second rollback would fail and hide the error that says why.
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
