"""Time and peak memory of `calcquiz demo newton|hessian --f ...` on expressions past the
symbolic budget (issue 12 class 3). Each should end with exit 2, "too complex", in ~2 s.

    python benchmarks/expr_budget.py
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time

CASES = {
    "baseline: x^4 - 3*x (valid)": "x^4 - 3*x",
    "99 nested sin": "sin(" * 99 + "x" + ")" * 99,
    "product of 50 linear factors": "*".join(f"(x-{i})" for i in range(1, 51)),
    "product of 19 factors in x, y, z": "*".join(f"(x-{i}*y+z)" for i in range(1, 20)),
    "20 nested sigmoid": "sigmoid(" * 20 + "x*y" + ")" * 20,
}


def main() -> None:
    print(f"{'case':34} {'demo':8} {'exit':>4} {'seconds':>8} {'peak MB':>8}  message")
    for name, text in CASES.items():
        for demo in ("newton", "hessian"):
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            started = time.perf_counter()
            run = subprocess.run(
                [sys.executable, "-m", "calcquiz", "demo", demo, "--f", text, "--no-live"],
                capture_output=True, text=True,
            )
            seconds = time.perf_counter() - started
            peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
            message = run.stderr.strip().split(": ")[-1][:60]
            print(f"{name:34} {demo:8} {run.returncode:>4} {seconds:8.2f} {peak:8.0f}  {message}")


if __name__ == "__main__":
    main()
