"""Mutation testing: how many small faults planted in the code the tests catch.

    python benchmarks/mutation.py [--workdir /tmp/genzoo-mutation] [--max-children 2] [--minutes M]

Clones HEAD into ``--workdir``, adds a mutmut configuration and runs mutmut (``pip install mutmut``) over the
code whose numbers everything else rests on: ``metrics/``, ``models/losses.py``, ``engine/checkpoint.py``,
``data/idx.py`` and ``models/vae.py`` (its KL and IWAE code), each mutant against the tests that cover it. A
mutant is killed when a test fails or times out; one that no test runs counts as surviving. Writes the kill rate
per file to benchmarks/results/mutation.{json,md}. Rerun in the same ``--workdir`` to continue an interrupted run, or
one that ``--minutes`` stopped (its unchecked mutants are counted as such, not as survivors).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from genzoo.provenance import footer, provenance

ROOT = Path(__file__).resolve().parent
REPO = ROOT.parent
SCOPE = ["src/genzoo/metrics/", "src/genzoo/models/losses.py", "src/genzoo/engine/checkpoint.py",
         "src/genzoo/data/idx.py", "src/genzoo/models/vae.py"]
TESTS = ["tests/test_metrics.py", "tests/test_sample_metrics.py", "tests/test_anomaly.py",
         "tests/engine/test_checkpoint.py", "tests/data/test_idx.py", "tests/models/test_vae.py",
         "tests/models/test_vae_training.py"]
KILLED = {"killed", "timeout"}


def configure(workdir: Path, scope: list[str]) -> None:
    """Clone HEAD into ``workdir`` and add the configuration: the whole package is copied (so that it imports from
    the mutants, not from the editable install), only SCOPE is mutated."""
    subprocess.run(["git", "clone", "-q", str(REPO), str(workdir)], check=True)
    others = sorted(str(p.relative_to(workdir)) for p in (workdir / "src" / "genzoo").rglob("*.py")
                    if not any(str(p.relative_to(workdir)).startswith(s) for s in scope))
    quoted = lambda items: ", ".join(f'"{i}"' for i in items)  # noqa: E731
    with open(workdir / "pyproject.toml", "a") as f:
        f.write(f'\n[tool.mutmut]\nsource_paths = ["src/"]\ndo_not_mutate = [{quoted(others)}]\n'
                f"pytest_add_cli_args_test_selection = [{quoted(TESTS)}]\n"
                'also_copy = ["tests/", "benchmarks/"]\n')
    shared = REPO.parent / "shared"
    if shared.exists() and not (workdir.parent / "shared").exists():
        (workdir.parent / "shared").symlink_to(shared)  # MNIST for the tests that use it


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", default="/tmp/genzoo-mutation")
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--scope", nargs="+", default=SCOPE, help="files or folders under src/genzoo to mutate")
    parser.add_argument("--minutes", type=float, default=None,
                        help="stop mutmut after this many minutes (rerun in the same --workdir to go on)")
    args = parser.parse_args()
    workdir, mutmut = Path(args.workdir), Path(sys.executable).parent / "mutmut"
    if not (workdir / "pyproject.toml").exists():
        configure(workdir, args.scope)
    started, t0 = provenance(), time.perf_counter()
    env = {**os.environ, "PYTHONPATH": "src"}
    run = subprocess.Popen([str(mutmut), "run", "--max-children", str(args.max_children)], cwd=workdir, env=env,
                           stdout=subprocess.DEVNULL, start_new_session=True)
    try:
        run.wait(timeout=args.minutes * 60 if args.minutes else None)
    except subprocess.TimeoutExpired:  # the budget is spent: what was checked stands, the rest stays "not checked"
        os.killpg(run.pid, signal.SIGTERM)
        run.wait()
    listing = subprocess.run([str(mutmut), "results", "--all", "true"], cwd=workdir, env=env, capture_output=True,
                             text=True).stdout
    status = {m[0]: m[1] for m in re.findall(r"^\s*([\w.]+__mutmut_\d+): (.+)$", listing, re.M)}
    by_file: dict[str, Counter] = defaultdict(Counter)
    for name, state in status.items():
        by_file[re.split(r"\.xǁ|\.x_", name)[0]][state] += 1
    by_file["all"] = sum(by_file.values(), Counter())
    rows = []
    for module, counts in sorted(by_file.items(), key=lambda kv: kv[0] == "all"):
        checked = sum(counts.values()) - counts["not checked"]
        killed = sum(counts[s] for s in KILLED)
        rows.append({"module": module, "mutants": sum(counts.values()), "checked": checked, "killed": killed,
                     "survived": counts["survived"], "no_tests": counts["no tests"],
                     "kill_rate": killed / checked if checked else 0.0})
    result = {"rows": rows, "seconds": round(time.perf_counter() - t0), **started}
    (ROOT / "results" / "mutation.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = ["| module | mutants | checked | killed (incl. timeouts) | survived | no test runs it | kill rate |",
             "|---|---|---|---|---|---|---|"]
    lines += [f"| {r['module']} | {r['mutants']} | {r['checked']} | {r['killed']} | {r['survived']} | {r['no_tests']} | "
              f"{100 * r['kill_rate']:.0f}% |" for r in rows]
    lines += ["",
              f"mutmut over {', '.join(args.scope)}, against {', '.join(TESTS)}; {result['seconds']} s.", "",
              footer(started)]
    (ROOT / "results" / "mutation.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
