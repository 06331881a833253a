"""A folder, FIFO or device given where a file belongs is named for what it is, not
reported as missing (the user can see it is there)."""

from __future__ import annotations

import os

import pytest


@pytest.mark.parametrize("kind", ["folder", "fifo", "device"])
def test_import_anki_names_what_is_there(tmp_path, cli, kind):
    target = {"folder": tmp_path, "device": "/dev/null"}.get(kind)
    if kind == "fifo":
        target = tmp_path / "pipe.apkg"
        os.mkfifo(target)
    result = cli("import", "anki", str(target))
    assert result.exit_code == 2
    assert "no such file" not in result.stderr
    what = "is a directory" if kind == "folder" else "is not a regular file"
    assert result.stderr.startswith(f"Error: {target}: {what}")


def test_config_decks_names_a_fifo_as_not_a_regular_file(tmp_path, cli):
    pipe = tmp_path / "deck.yaml"
    os.mkfifo(pipe)
    result = cli("config", "set", "decks", str(pipe))
    assert result.exit_code == 2
    assert "not a regular file" in result.stderr and "not found" not in result.stderr
    assert "not found" in cli("config", "set", "decks", str(tmp_path / "gone.yaml")).stderr
