"""How long a second `make run` with nothing changed takes until every process is healthy.

    python benchmarks/bench_make_run.py [--runs 3]

Runs `make run SUPERVISE_ARGS=--exit-when-ready` once to warm up (it may install, convert,
index or train), then N more times, and reports the wall time of each warm run: setup checks,
model/index/train fingerprints, starting the three processes and waiting for their health
checks. The baseline in the same run is the cold first run.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def one_run() -> tuple[float, str]:
    start = time.monotonic()
    proc = subprocess.run(["make", "run", "SUPERVISE_ARGS=--exit-when-ready"], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - start
    if proc.returncode != 0:
        sys.exit(f"make run failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return elapsed, proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    first, _ = one_run()
    warm = []
    for _ in range(args.runs):
        elapsed, out = one_run()
        for needle in ("building .venv", "training the Rasa model", "converting"):
            if needle in out:
                sys.exit(f"a warm run did work it should have skipped: {needle!r}")
        warm.append(elapsed)
    print(f"first run (baseline): {first:.1f} s")
    print("warm runs: " + ", ".join(f"{w:.1f} s" for w in warm))
    print(f"warm median: {statistics.median(warm):.1f} s, max: {max(warm):.1f} s (goal < 60 s)")


if __name__ == "__main__":
    main()
