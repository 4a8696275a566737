"""The margins of the statistical tests, measured on other machines' numerics.

    python benchmarks/statistical.py [--offsets 0 100] [--isas native avx2 default] [--threads 1 2] [-k EXPR]

A test whose outcome depends on a training trajectory (mode coverage, accuracy, "learns better than") must hold on
any machine, not only on the one that wrote it. Other CPUs run other kernels: PyTorch picks its vector kernels by the
CPU's instruction set, MKL and oneDNN theirs, and the thread count changes how sums are split. This script emulates
those machines on this one: each ``--isas`` setting caps all three libraries at one instruction set (``native``: none
capped), and each is run at each ``--threads`` count. It runs ``pytest -m statistical`` once per setting and seed
offset (``GENZOO_SEED_OFFSET``: the tests' seeds shifted, to see more trajectories than the tests' own), records
each test's outcome and what it measured (the ``measured`` fixture of tests/conftest.py), and writes
benchmarks/results/statistical.{json,md}: per test, the values seen in every setting, and whether it passed.
Settings that need one thread each run two at a time, so the 2 cores are both busy; nothing here is timed. A run
replaces the rows it measures and keeps the others, each row naming the run (commit, command, machine) it came from.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from genzoo.provenance import footer, provenance

ROOT = Path(__file__).resolve().parent
REPO = ROOT.parent
ISAS = {  # what each emulated CPU caps: PyTorch's own kernels, MKL's (matrix products) and oneDNN's (convolutions)
    "native": {},
    "avx2": {"ATEN_CPU_CAPABILITY": "avx2", "MKL_ENABLE_INSTRUCTIONS": "AVX2", "ONEDNN_MAX_CPU_ISA": "AVX2"},
    "default": {"ATEN_CPU_CAPABILITY": "default", "MKL_ENABLE_INSTRUCTIONS": "SSE4_2", "ONEDNN_MAX_CPU_ISA": "SSE41"},
}


def run(isa: str, threads: int, offset: int, expression: str) -> dict:
    """One ``pytest -m statistical`` run in a child process: {test id: {"passed": bool, "values": [...]}}."""
    with tempfile.TemporaryDirectory() as tmp:
        measure, junit = Path(tmp) / "measured.jsonl", Path(tmp) / "junit.xml"
        env = {**os.environ, **ISAS[isa], "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads),
               "GENZOO_SEED_OFFSET": str(offset), "GENZOO_MEASURE": str(measure)}
        command = [sys.executable, "-m", "pytest", "-q", "-m", "statistical", "-p", "no:cacheprovider",
                   f"--junitxml={junit}", *(["-k", expression] if expression else [])]
        subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
        results: dict[str, dict] = {}
        for case in ET.parse(junit).getroot().iter("testcase"):
            if case.find("skipped") is not None:  # not run here (a browser or a dataset missing): nothing measured
                continue
            path = case.get("classname", "").replace(".", "/") + ".py"
            failed = case.find("failure") is not None or case.find("error") is not None
            results[f"{path}::{case.get('name')}"] = {"passed": not failed, "values": []}
        for line in measure.read_text().splitlines() if measure.exists() else []:
            record = json.loads(line)
            results.setdefault(record.pop("test"), {"passed": None, "values": []})["values"].append(record)
    return results


def key(row: dict) -> tuple:
    """What a row measured: a test in one setting."""
    return row["test"], row["isa"], row["threads"], row["offset"]


def summary(rows: list[dict]) -> list[str]:
    """Per test: in how many settings it passed at its own seeds (offset 0) and on fresh ones (other offsets)."""
    lines = ["| test | passed at its own seeds | passed on fresh seeds |", "|---|---|---|"]
    for test in sorted({r["test"] for r in rows}):
        own = [r["passed"] for r in rows if r["test"] == test and r["offset"] == 0]
        fresh = [r["passed"] for r in rows if r["test"] == test and r["offset"] != 0]
        lines.append(f"| `{test.split('::')[-1]}` | {own.count(True)} of {len(own)} | "
                     f"{f'{fresh.count(True)} of {len(fresh)}' if fresh else '-'} |")
    return lines


def table(rows: list[dict]) -> list[str]:
    lines = ["| test | ISA | threads | seed offset | passed | measured |", "|---|---|---|---|---|---|"]
    for row in rows:
        values = "; ".join(", ".join(f"{k} {v}" for k, v in record.items()) for record in row["values"])
        lines.append(f"| `{row['test'].split('::')[-1]}` | {row['isa']} | {row['threads']} | {row['offset']} | "
                     f"{'yes' if row['passed'] else 'no'} | {values} |")
    return lines


def markdown(record: dict) -> str:
    rows = record["rows"]
    failing = sorted({row["test"] for row in rows if not row["passed"] and row["offset"] == 0})
    text = [
        "# The statistical tests on other machines' numerics",
        "",
        "Each test marked `statistical` run once per emulated instruction set (PyTorch's `ATEN_CPU_CAPABILITY`, MKL's",
        "`MKL_ENABLE_INSTRUCTIONS` and oneDNN's `ONEDNN_MAX_CPU_ISA` capped together; `native` caps nothing), thread",
        "count and seed offset (`GENZOO_SEED_OFFSET`: 0 is the tests' own seeds, others are fresh trajectories that",
        "show the spread the margin must absorb). A test's assertion must pass in every row with offset 0.",
        "",
        *summary(rows),
        "",
        *table(rows),
        "",
        f"Failing at the tests' own seeds: {', '.join(f'`{t}`' for t in failing) if failing else 'none'}.",
        "",
        "Runs (a row's settings were last measured by the run its `run` field names in statistical.json):",
        "",
        *[f"- run {run['id']}: {footer(run)}" for run in record["runs"]],
    ]
    return "\n".join(text) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--offsets", type=int, nargs="+", default=[0, 100])
    parser.add_argument("--isas", nargs="+", choices=list(ISAS), default=list(ISAS))
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("-k", default="", help="pytest's -k: only the statistical tests it selects")
    args = parser.parse_args()
    started = provenance()  # the tree as the run starts
    settings = [(isa, threads, offset) for offset in args.offsets for isa in args.isas for threads in args.threads]
    settings.sort(key=lambda s: s[1])  # one-thread runs first, two at a time; then the two-thread runs one by one
    ones = [s for s in settings if s[1] == 1]
    with ThreadPoolExecutor(2) as pool:
        done = list(pool.map(lambda s: (s, run(*s, args.k)), ones))
    done += [(s, run(*s, args.k)) for s in settings if s[1] != 1]
    path = ROOT / "results" / "statistical.json"
    record = json.loads(path.read_text()) if path.exists() else {}
    if record.get("isas") != ISAS or "runs" not in record:  # other settings, or an older layout: start anew
        record = {"isas": ISAS, "runs": [], "rows": []}
    run_id = max((run["id"] for run in record["runs"]), default=0) + 1
    fresh = [{"test": test, "isa": isa, "threads": threads, "offset": offset, "run": run_id, **result}
             for (isa, threads, offset), results in done for test, result in results.items()]
    replaced = {key(r) for r in fresh}
    rows = sorted([r for r in record["rows"] if key(r) not in replaced] + fresh,
                  key=lambda r: (r["test"], r["offset"], r["isa"], r["threads"]))
    kept = {r["run"] for r in rows}
    runs = [run for run in record["runs"] if run["id"] in kept] + [{"id": run_id, **started}]
    record = {"isas": ISAS, "runs": runs, "rows": rows}
    path.write_text(json.dumps(record, indent=1) + "\n")
    (ROOT / "results" / "statistical.md").write_text(markdown(record))
    print(markdown(record))


if __name__ == "__main__":
    main()
