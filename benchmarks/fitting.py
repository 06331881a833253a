"""Wall time of the memory-model commands on the shared review log (12,580 reviews).

    python benchmarks/fitting.py            # 5 runs of each command, medians
    python benchmarks/fitting.py --runs 1   # a quick check that they run

Each command runs as a user would start it (a fresh ``python -m calcquiz`` process) with
a temporary ``CALCQUIZ_HOME``; the floor is ``benchmarks/floor_app.py``. Nothing is
asserted: the printed table is the result.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
LOG = HERE.parent / "tests" / "data" / "review_logs_josh.csv"
COMMANDS = {
    "floor (minimal Typer app)": [sys.executable, str(HERE / "floor_app.py"), "noop"],
    "calcquiz optimize --revlog LOG": ["optimize", "--revlog", str(LOG)],
    "calcquiz simulate --revlog LOG": ["simulate", "--revlog", str(LOG)],
    "calcquiz stats --calibration --revlog LOG": ["stats", "--calibration", "--revlog", str(LOG)],
}


def timed(cmd: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "CALCQUIZ_HOME": home, "NO_COLOR": "1"}
        env["PYTHONPATH"] = str(HERE.parent)
        print(f"| command | median of {args.runs} (s) | min (s) |")
        print("|---|---|---|")
        for name, cmd in COMMANDS.items():
            full = cmd if cmd[0] == sys.executable else [sys.executable, "-m", "calcquiz", *cmd]
            times = [timed(full, env) for _ in range(args.runs)]
            print(f"| `{name}` | {statistics.median(times):.2f} | {min(times):.2f} |")


if __name__ == "__main__":
    main()
