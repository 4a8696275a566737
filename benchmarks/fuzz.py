"""The structure-aware fuzz tests (tests/test_fuzz_structured.py) with 10,000 examples per loader, not CI's replay set.

    python benchmarks/fuzz.py [--examples 10000]

Runs them under hypothesis's ``long`` profile (tests/conftest.py) and writes, per test, how many examples were run
and how long it took, and whether every one passed, to benchmarks/results/fuzz.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from genzoo.provenance import footer, provenance

ROOT = Path(__file__).resolve().parent
STATS = re.compile(r"::(test_\w+):\n\n  - during generate phase \(([\d.]+) seconds\):\n.*?\n"
                   r"    - (\d+) passing, (\d+) failing, and (\d+) invalid test cases", re.S)


def markdown(result: dict) -> str:
    lines = ["| loader test | examples run | failing | invalid | seconds |", "|---|---|---|---|---|"]
    lines += [f"| {r['test']} | {r['passing'] + r['failing']} | {r['failing']} | {r['invalid']} | {r['seconds']:.0f} |"
              for r in result["rows"]]
    lines += ["", f"All passed: {'yes' if result['passed'] else 'NO'} ({result['seconds']} s in all).", "", footer(result)]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=10_000)
    args = parser.parse_args()
    started, t0 = provenance(), time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_fuzz_structured.py",
         "--hypothesis-profile=long", "--hypothesis-show-statistics", "--hypothesis-seed=0"],
        capture_output=True, text=True, cwd=ROOT.parent, env={**os.environ, "GENZOO_FUZZ_EXAMPLES": str(args.examples)})
    rows = [{"test": m[0], "seconds": float(m[1]), "passing": int(m[2]), "failing": int(m[3]), "invalid": int(m[4])}
            for m in STATS.findall(done.stdout)]
    result = {"passed": done.returncode == 0, "rows": rows, "seconds": round(time.perf_counter() - t0), **started}
    (ROOT / "results" / "fuzz.json").write_text(json.dumps(result, indent=2) + "\n")
    (ROOT / "results" / "fuzz.md").write_text(markdown(result))
    print(markdown(result))
    if not result["passed"]:
        print(done.stdout[-5000:])
    sys.exit(0 if result["passed"] else 1)


if __name__ == "__main__":
    main()
