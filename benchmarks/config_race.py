"""How often three `config set` of different keys at the same moment lose a setting.

Three processes each wait for a start file, then call ``config.set_value`` for their own
key; a round loses a setting when the file lacks one of the three afterwards.

    python benchmarks/config_race.py [ROUNDS]

Run it with ``PYTHONPATH`` pointing at another checkout's ``calcquiz`` to measure that one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SET_AT = """
import sys, time
from pathlib import Path
from calcquiz import config
start = Path(sys.argv[1])
while not start.exists():
    time.sleep(0.0005)
config.set_value(sys.argv[2], sys.argv[3])
"""
CHANGES = {"new_per_day": "7", "retention": "0.85", "leech_threshold": "5"}


def main(rounds: int) -> None:
    lost = failed = 0
    for _ in range(rounds):
        home = Path(tempfile.mkdtemp())
        (home / "config.toml").write_text('review_mode = "recall"\n')
        env = {**os.environ, "CALCQUIZ_HOME": str(home)}
        procs = [
            subprocess.Popen([sys.executable, "-c", SET_AT, str(home / "go"), key, value], env=env)
            for key, value in CHANGES.items()
        ]
        time.sleep(1.0)  # every process has imported calcquiz and is waiting
        (home / "go").touch()
        failed += sum(p.wait() != 0 for p in procs)
        text = (home / "config.toml").read_text()
        lost += not all(key in text for key in CHANGES)
    print(f"rounds that lost a setting: {lost} of {rounds}; processes that failed: {failed}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 25)
