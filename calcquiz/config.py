"""Settings that persist: ``config.toml`` beside ``calcquiz.db`` (``$CALCQUIZ_HOME`` moves both).

Every key has a default, a parser for what is typed after ``calcquiz config set KEY``,
and a check that states the valid range. The file is read with ``tomllib`` (``tomli`` on
3.10) and written with ``tomli-w`` through a temporary file and a rename, so a reader
never sees half a file. A damaged or invalid file is one clear error naming the file.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from calcquiz.dates import parse_steps
from calcquiz.errors import BadInputError
from calcquiz.paths import data_dir

CONFIG_NAME = "config.toml"
FSRS_PARAMETER_COUNT = 21


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
        parse_steps(value)
    except ValueError as exc:
        raise ValueError(f'steps like "1m 10m": {exc}') from None
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
        return list(_toml_value(text))
    return [part.strip() for part in text.split(",") if part.strip()]


def _toml_value(text: str) -> Any:
    try:
        return _toml().loads(f"v = {text}")["v"]
    except Exception as exc:  # tomllib.TOMLDecodeError, imported lazily
        raise ValueError(f"not a TOML value ({exc})") from None


def _deck_paths(text: str) -> list[str]:
    """Deck files as absolute paths (a relative path would change meaning with the folder)."""
    paths = [Path(p).expanduser().resolve() for p in _words(text)]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise ValueError(f"deck files that exist; not found: {', '.join(missing)}")
    return [str(p) for p in paths]


def _decks(value: Any) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ValueError("a list of deck files")
    return tuple(value)


def _parameters(value: Any) -> tuple[float, ...]:
    ok = isinstance(value, (list, tuple)) and len(value) == FSRS_PARAMETER_COUNT
    ok = ok and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
        for v in value
    )
    if not ok:
        raise ValueError(f"{FSRS_PARAMETER_COUNT} finite numbers (FSRS-6's parameters)")
    return tuple(float(v) for v in value)


def _parse_numbers(text: str) -> list[float]:
    parts = _words(text) if text.strip().startswith("[") else text.replace(",", " ").split()
    try:
        return [float(p) for p in parts]
    except (TypeError, ValueError):
        raise ValueError(f"{FSRS_PARAMETER_COUNT} numbers separated by commas") from None


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

    return f"unknown config key {key!r}{did_you_mean(key, KEYS)} (keys: {', '.join(KEYS)})"


def check_key(key: str) -> None:
    """Raises BadInputError, with a suggestion, for a key calcquiz does not know."""
    if key not in KEYS:
        raise BadInputError(_unknown(key))


def read_file(path: Path | None = None) -> dict[str, Any]:
    """The checked values the file sets (an absent file sets nothing)."""
    path = path or config_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise BadInputError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        data = _toml().loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:  # TOMLDecodeError is a ValueError
        raise BadInputError(f"{path} is damaged: {exc}") from None
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in KEYS:
            raise BadInputError(f"{path}: {_unknown(key)}")
        try:
            values[key] = KEYS[key].check(value)
        except ValueError as exc:
            raise BadInputError(f"{path}: {key} = {value!r} is invalid (expected {exc})") from None
    return values


def load_config(path: Path | None = None) -> Config:
    """The effective settings: the file's values over the defaults."""
    return Config(**read_file(path))


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
        raise BadInputError(f"Invalid {key}: {text!r} (expected {exc})") from None


def set_value(key: str, text: str, path: Path | None = None) -> Any:
    """``config set KEY TEXT``: parse, check, and write atomically. Returns the value."""
    return write_value(key, parse_value(key, text), path)


def write_value(key: str, value: Any, path: Path | None = None) -> Any:
    """Store a typed value (e.g. ``write_value("parameters", fitted)``), checked first."""
    check_key(key)
    try:
        value = KEYS[key].check(value)
    except ValueError as exc:
        raise BadInputError(f"Invalid {key}: {value!r} (expected {exc})") from None
    values = read_file(path)
    values[key] = list(value) if isinstance(value, tuple) else value
    _write(values, path or config_path())
    return value


def unset(key: str, path: Path | None = None) -> bool:
    """Back to the default. True when the file had set it."""
    check_key(key)
    values = read_file(path)
    had = values.pop(key, None) is not None
    if had:
        _write(values, path or config_path())
    return had


def effective(config: Config, path: Path | None = None) -> dict[str, dict[str, Any]]:
    """Every key: its effective value, and whether the file set it."""
    from_file = read_file(path)
    out = {}
    for f in fields(config):
        value = getattr(config, f.name)
        out[f.name] = {
            "value": list(value) if isinstance(value, tuple) else value,
            "set": f.name in from_file,
            "help": KEYS[f.name].help,
        }
    return out


def _write(values: dict[str, Any], path: Path) -> None:
    """Atomically: a temporary file beside the target, then a rename."""
    import tempfile

    import tomli_w

    values = {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                tomli_w.dump(values, fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        from calcquiz.errors import CalcquizError

        raise CalcquizError(f"cannot write {path}: {exc.strerror or exc}") from None
