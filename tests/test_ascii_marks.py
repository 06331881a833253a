"""On a stream that cannot encode them (PYTHONIOENCODING=ascii), the correction marks of
an answer and its note stay told apart and the layout stays aligned."""

from __future__ import annotations

import os
import subprocess

from .helpers import CLI


def test_correction_marks_survive_an_ascii_stream(calcquiz_home):
    env = {**os.environ, "PYTHONIOENCODING": "ascii", "COLUMNS": "80"}
    done = subprocess.run([*CLI, "show", "5"], capture_output=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode("ascii")
    flat = " ".join(out.replace("|", " ").split())
    assert "lies above the curve. +" in flat and "guaranteed to converge. #" in flat
    assert '+ "Above" means on or above' in flat and "# Convexity alone" in flat
    assert "* A bowl-shaped function." in flat
    boxed = [line for line in out.splitlines() if line.startswith(("|", "+"))]
    assert boxed and all(len(line) == 80 for line in boxed)  # one character for one
