"""Settings that persist: ``config.toml`` beside ``calcquiz.db`` (``$CALCQUIZ_HOME`` moves both).

Every key has a default, a parser for what is typed after ``calcquiz config set KEY``,
and a check that states the valid range. The file is read with ``tomllib`` (``tomli`` on
3.10) and written with ``tomli-w`` through a temporary file and a rename, so a reader
never sees half a file. A damaged or invalid file is one clear error naming the file.

What the file is is decided before it is read or written: only a regular file (or a
symbolic link to one, written through to its target) of at most :data:`MAX_CONFIG_BYTES`
is used; a FIFO, a device or a folder is refused with one line, and so is a read-only
file when a setting would change. A change (``config set``, ``optimize --save``) is a
read-modify-write under a lock on ``config.toml.lock`` beside the file, so two processes
setting different keys at once both keep their setting.
"""

from __future__ import annotations

import errno
import math
import os
import stat
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from calcquiz.dates import parse_steps
from calcquiz.errors import BadInputError, CalcquizError
from calcquiz.paths import data_dir
from calcquiz.states import MAX_STEPS

CONFIG_NAME = "config.toml"
FSRS_PARAMETER_COUNT = 21
# Every key with a long list of deck files fits in a few kilobytes: anything bigger is not
# a config calcquiz wrote, and reading it whole would cost memory for nothing.
MAX_CONFIG_BYTES = 1 << 20
LOCK_TIMEOUT = 10.0  # seconds to wait for another process's settings change
# The keys a config file sets and their values: each checked by KEYS[key].check (or, while
# `config set`/`unset` changes the file, as it was read): `object`, so using one needs a check.
FileValues = dict[str, object]


@dataclass(frozen=True)
class Config:
    """The effective settings (defaults where the file says nothing)."""

    retention: float = 0.9
    new_per_day: int = 20
    reviews_per_session: int = 200
    day_starts_at: int = 4
    learning_steps: str = "1m 10m"
    relearning_steps: str = "10m"
    leech_threshold: int = 8
    leech_action: str = "suspend"
    decks: tuple[str, ...] = ()
    parameters: tuple[float, ...] | None = None  # None: FSRS-6's defaults
    review_mode: str = "recall"
    anki_collection: str = ""  # the collection `sync anki` last used ("": Anki's default)
    learn_ahead_minutes: int = 20

    def override(self, **given: Any) -> Config:
        """This config with the command-line options that were given (not None)."""
        return replace(self, **{k: v for k, v in given.items() if v is not None})


@dataclass(frozen=True)
class Key:
    name: str
    help: str
    parse: Callable[[str], Any]  # typed text -> value (raises ValueError)
    check: Callable[[Any], Any]  # a value from the file or the parser -> value (ValueError)


def _number(lo: float, hi: float) -> Callable[[Any], float]:
    def check(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"a number from {lo} to {hi}")
        if not lo <= value <= hi:
            raise ValueError(f"a number from {lo} to {hi}")
        return float(value)

    return check


def _integer(lo: int, hi: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise ValueError(f"a whole number from {lo} to {hi}")
        return value

    return check


def _steps(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError('steps like "1m 10m" (units s, m, h, d)')
    try:
        steps = parse_steps(value)
    except ValueError as exc:
        why = str(exc) if len(str(exc)) <= 80 else "a step is not like 30s, 10m, 1h or 1d"
        raise ValueError(f'steps like "1m 10m": {why}') from None
    # The store keeps a card's step as an index its row check bounds (store/rows.py).
    if len(steps) > MAX_STEPS:
        raise ValueError(f"at most {MAX_STEPS} steps, each from 1s to 30d; got {len(steps)}")
    return " ".join(value.replace(",", " ").split())


def _choice(*options: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in options:
            raise ValueError(" or ".join(repr(o) for o in options))
        return str(value)

    return check


def _words(text: str) -> list[str]:
    """A list typed as ``a.yaml, b.yaml`` (or a TOML array ``["a.yaml", "b.yaml"]``)."""
    text = text.strip()
    if text.startswith("["):
        value = _toml_value(text)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError("a list of quoted names")
        return value
    return [part.strip() for part in text.split(",") if part.strip()]


def _toml_value(text: str) -> Any:
    try:
        return _toml().loads(f"v = {text}")["v"]
    except RecursionError:
        raise ValueError("not a TOML value (nested too deeply)") from None
    except Exception as exc:  # tomllib.TOMLDecodeError, imported lazily
        raise ValueError(f"not a TOML value ({exc})") from None


def _deck_paths(text: str) -> list[str]:
    """Deck files as absolute paths (a relative path would change meaning with the folder)."""
    paths = [Path(p).expanduser().resolve() for p in _words(text)]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise ValueError(f"deck files that exist; not found: {', '.join(missing)}")
    other = [str(p) for p in paths if not p.is_file()]  # a folder, FIFO or device
    if other:
        raise ValueError(f"deck files; not a regular file: {', '.join(other)}")
    return [str(p) for p in paths]


def _decks(value: Any) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ValueError("a list of deck files")
    return tuple(value)


def _parameters(value: Any) -> tuple[float, ...]:
    expected = f"{FSRS_PARAMETER_COUNT} finite numbers (FSRS-6's parameters)"
    if not isinstance(value, (list, tuple)) or len(value) != FSRS_PARAMETER_COUNT:
        raise ValueError(expected)
    for i, v in enumerate(value):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ValueError(f"{expected}; w{i} is {_short(v)}")
    return tuple(float(v) for v in value)


def _parse_numbers(text: str) -> list[Any]:
    if text.strip().startswith("["):
        return list(_toml_value(text.strip()))  # a TOML array of numbers, checked after
    try:
        return [float(p) for p in text.replace(",", " ").split()]
    except ValueError:
        raise ValueError(f"{FSRS_PARAMETER_COUNT} numbers separated by commas") from None


def _collection_path(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("the path of an Anki collection file (collection.anki2)")
    return str(Path(value).expanduser()) if value else ""


def _int(text: str) -> int:
    return int(text.strip())


KEYS: dict[str, Key] = {
    k.name: k
    for k in (
        Key("retention", "desired retention for FSRS", float, _number(0.7, 0.99)),
        Key("new_per_day", "new cards a day", _int, _integer(0, 9999)),
        Key("reviews_per_session", "reviews a session", _int, _integer(1, 99999)),
        Key("day_starts_at", "hour the day starts (local time)", _int, _integer(0, 23)),
        Key("learning_steps", "steps for new cards", str, _steps),
        Key("relearning_steps", "steps after a lapse", str, _steps),
        Key("leech_threshold", "lapses that make a card a leech", _int, _integer(1, 999)),
        Key("leech_action", "what happens to a leech", str, _choice("suspend", "tag")),
        Key("decks", "extra deck files for every command", _deck_paths, _decks),
        Key("parameters", "FSRS-6 parameters (default: FSRS's)", _parse_numbers, _parameters),
        Key("review_mode", "recall answers or work exercises", str, _choice("recall", "exercises")),
        Key("anki_collection", "Anki collection file for sync anki", str, _collection_path),
        Key("learn_ahead_minutes", "show a learning card this early when nothing else is due",
            _int, _integer(0, 1440)),
    )
}


def config_path() -> Path:
    return data_dir() / CONFIG_NAME


def _toml() -> Any:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[import-not-found]
    return tomllib


def _unknown(key: str) -> str:
    from calcquiz.suggest import did_you_mean

    hint = did_you_mean(key, KEYS) if len(key) <= 60 else ""
    return f"unknown config key {_short(key)}{hint} (keys: {', '.join(KEYS)})"


def check_key(key: str) -> None:
    """Raises BadInputError, with a suggestion, for a key calcquiz does not know."""
    if key not in KEYS:
        raise BadInputError(_unknown(key))


def read_file(path: Path | None = None, changing: bool = False) -> FileValues:
    """The checked values the file sets (an absent file sets nothing). ``changing``: for
    ``config set``/``unset``, an invalid value is kept as it is instead of refused, so that
    the change that fixes it (or another one) can still be made."""
    path = path or config_path()
    raw = _read_bytes(path)
    if raw is None:
        return {}
    try:
        data = _toml().loads(raw.decode("utf-8"))
    except RecursionError:
        raise BadInputError(f"{path} is damaged: a value is nested too deeply") from None
    except (UnicodeDecodeError, ValueError) as exc:  # TOMLDecodeError is a ValueError
        raise BadInputError(f"{path} is damaged: {exc}") from None
    values: FileValues = {}
    for key, value in data.items():
        if key not in KEYS:
            raise BadInputError(f"{path}: {_unknown(key)}")
        try:
            values[key] = KEYS[key].check(value)
        except ValueError as exc:
            if changing:
                values[key] = value
                continue
            raise BadInputError(
                f"{path}: {key} = {_short(value)} is invalid (expected {exc}); "
                f"`calcquiz config unset {key}` puts back the default"
            ) from None
    return values


def _short(value: Any) -> str:
    """A value for a one-line message: its repr, cut to a readable length."""
    import reprlib

    shorter = reprlib.Repr()
    shorter.maxstring = shorter.maxother = 60
    shorter.maxlevel = 3
    return shorter.repr(value)


def _read_bytes(path: Path) -> bytes | None:
    """The file's bytes, None if there is none. A FIFO, device or folder is refused before
    it is read (opening without blocking, so a FIFO cannot hang the command), and so is a
    file over MAX_CONFIG_BYTES."""
    try:
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise BadInputError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise BadInputError(_not_a_file(path))
        with os.fdopen(fd, "rb") as fh:
            fd = -1  # the file object closes it
            raw = fh.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise BadInputError(f"cannot read {path}: {exc.strerror or exc}") from None
    finally:
        if fd >= 0:
            os.close(fd)
    if len(raw) > MAX_CONFIG_BYTES:
        raise BadInputError(
            f"{path} is over {MAX_CONFIG_BYTES // 1024} KB: not a calcquiz config "
            "(move it away to start from the defaults)"
        )
    return raw


def _not_a_file(path: Path) -> str:
    return (
        f"{path} is not a regular file (a FIFO, device or folder); "
        "calcquiz keeps its settings in a regular file: move it away"
    )


def load_config(path: Path | None = None) -> Config:
    """The effective settings: the file's values over the defaults."""
    # Each value passed KEYS[key].check, which returns the type of Config's field `key`:
    # a link between a key's name and its type that mypy cannot follow.
    return Config(**read_file(path))  # type: ignore[arg-type]


def parse_value(key: str, text: str) -> Any:
    """What ``config set KEY TEXT`` would store (raises BadInputError with the range)."""
    check_key(key)
    spec = KEYS[key]
    try:
        try:
            value = spec.parse(text)
        except ValueError as exc:
            if key == "decks":  # the parser's own message names the missing files
                raise
            spec.check(None)  # not even the right type: the check's message says what is
            raise exc
        return spec.check(value)
    except ValueError as exc:
        raise BadInputError(f"Invalid {key}: {_short(text)} (expected {exc})") from None


def check_option(key: str, value: Any, flag: str) -> Any:
    """A command-line option that stands in for a setting (``study --new`` for
    ``new_per_day``), held to the setting's range; None (not given) passes."""
    if value is None:
        return None
    try:
        return KEYS[key].check(value)
    except ValueError as exc:
        raise BadInputError(f"Invalid {flag}: {_short(value)} (expected {exc})") from None


def set_value(key: str, text: str, path: Path | None = None) -> Any:
    """``config set KEY TEXT``: parse, check, and write atomically. Returns the value."""
    return write_value(key, parse_value(key, text), path)


def write_value(key: str, value: Any, path: Path | None = None) -> Any:
    """Store a typed value (e.g. ``write_value("parameters", fitted)``), checked first."""
    check_key(key)
    try:
        value = KEYS[key].check(value)
    except ValueError as exc:
        raise BadInputError(f"Invalid {key}: {_short(value)} (expected {exc})") from None
    if key == "parameters":  # FSRS-6's bounds, checked where every fitted set is
        from calcquiz.memory_model.params import check as check_parameters

        value = check_parameters(value, "Invalid parameters")
    with _changing(path or config_path()) as (values, save):
        values[key] = list(value) if isinstance(value, tuple) else value
        save(values)
    return value


def unset(key: str, path: Path | None = None) -> bool:
    """Back to the default. True when the file had set it."""
    check_key(key)
    with _changing(path or config_path()) as (values, save):
        had = values.pop(key, None) is not None
        if had:
            save(values)
    return had


@contextmanager
def _changing(path: Path) -> Iterator[tuple[FileValues, Callable[[FileValues], None]]]:
    """A read-modify-write of the config: the file's values as they are now, and a
    function that writes new ones, both under the settings lock, so a change made by
    another process meanwhile is never overwritten with an older copy."""
    target = _write_target(path)
    with _locked(target):
        target = _write_target(path)  # again under the lock: it may have changed
        values = read_file(path, changing=True)
        yield values, lambda new: _write(new, target, shown=path)


def _write_target(path: Path) -> Path:
    """The file a change of ``path`` replaces: ``path``, or the file a symbolic link at
    ``path`` points to (the link itself is kept). Refuses, with one line, a link to
    nothing, a FIFO, device or folder, and a read-only file."""
    target = path
    if path.is_symlink():
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):  # dangling, or a loop of links
            raise BadInputError(
                f"{path} is a symbolic link to a missing file; point it at a file or remove it"
            ) from None
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        return target  # a new file
    except OSError as exc:
        raise CalcquizError(f"cannot write {path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(mode):
        raise BadInputError(_not_a_file(path))
    # The owner's write bit too: a file made read-only on purpose stays as it is, even for root.
    if not mode & stat.S_IWUSR or not os.access(target, os.W_OK):
        raise CalcquizError(
            f"cannot change {path}: the file is read-only (make it writable to change settings)"
        )
    return target


@contextmanager
def _locked(target: Path) -> Iterator[None]:
    """Hold ``<target>.lock`` (beside the file, so every link to it shares one lock) for a
    read-modify-write. fcntl's lock where there is one, msvcrt's on Windows; both end with
    the process, so a crash leaves no stale lock."""
    lock_path = target.with_name(target.name + ".lock")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise CalcquizError(f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        _acquire(fd, lock_path)
        yield
    finally:
        os.close(fd)  # releases the lock


def _acquire(fd: int, lock_path: Path) -> None:
    """Take the lock on ``fd``, waiting up to LOCK_TIMEOUT for another process's change."""
    try:
        import fcntl

        def attempt() -> None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except ImportError:  # pragma: no cover - Windows
        import msvcrt

        def attempt() -> None:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]

    deadline = time.monotonic() + LOCK_TIMEOUT
    while True:
        try:
            attempt()
            return
        except (BlockingIOError, PermissionError):  # held by another process
            if time.monotonic() > deadline:
                raise CalcquizError(
                    f"another calcquiz has been changing settings for {LOCK_TIMEOUT:.0f} s "
                    f"(it holds {lock_path}); try again"
                ) from None
            time.sleep(0.01)
        except OSError as exc:  # a file system without locks: nothing to wait for
            if exc.errno == errno.ENOLCK:
                return
            raise CalcquizError(f"cannot lock {lock_path}: {exc.strerror or exc}") from None


@dataclass(frozen=True)
class Setting:
    """One key as `config list` shows it."""

    value: object  # a list where Config holds a tuple (as TOML and JSON write it)
    from_file: bool  # False: the default
    help: str


def effective(config: Config, path: Path | None = None) -> dict[str, Setting]:
    """Every key: its effective value, and whether the file set it."""
    from_file = read_file(path)
    out = {}
    for f in fields(config):
        value = getattr(config, f.name)
        out[f.name] = Setting(
            value=list(value) if isinstance(value, tuple) else value,
            from_file=f.name in from_file,
            help=KEYS[f.name].help,
        )
    return out


def _write(values: FileValues, path: Path, shown: Path | None = None) -> None:
    """Atomically: a temporary file beside ``path``, then a rename over it. The new file
    keeps the old one's permissions. ``shown``: the name errors give (a link's own)."""
    import tempfile

    import tomli_w

    shown = shown or path
    values = {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    except OSError as exc:
        raise CalcquizError(f"cannot write {shown}: {exc.strerror or exc}") from None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                tomli_w.dump(values, fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, mode)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise CalcquizError(f"cannot write {shown}: {exc.strerror or exc}") from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def saved_parameters() -> tuple[float, ...] | None:
    """The saved FSRS-6 parameters (checked against their bounds), or None for the
    defaults."""
    from calcquiz.memory_model.params import check

    values = load_config().parameters
    return None if values is None else check(list(values), f"{config_path()}: parameters")


def save_parameters(parameters: Sequence[float]) -> Path:
    """Store the parameters in the config (its other keys kept); returns the file."""
    from calcquiz.memory_model.params import check

    write_value("parameters", check(list(parameters)))
    return config_path()
