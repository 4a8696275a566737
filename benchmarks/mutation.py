"""Mutation testing: how many small faults planted in the code the tests catch.

    python benchmarks/mutation.py [--workdir /tmp/genzoo-mutation] [--max-children 2] [--minutes M]
                                  [--sample N --seed S]

Clones HEAD into ``--workdir``, adds a mutmut configuration and runs mutmut (``pip install mutmut``) over the
code whose numbers everything else rests on: ``metrics/``, ``models/losses.py``, ``engine/checkpoint.py``,
``data/idx.py`` and the VAE's KL and IWAE code (``models/vae.py``'s functions in FOCUS), each mutant against the
tests that cover it. A mutant is killed when a test fails or times out; one that no test runs counts as surviving.
``--sample N`` checks N mutants drawn at random (``--seed``) from the whole scope and reports the kill rate with its
95% Wilson interval: the whole scope is hours on 2 cores, and a run stopped by ``--minutes`` is not a fair draw
(mutmut checks the mutants with the fastest tests first; a sample is run in chunks of CHUNK in its random order,
so that a run the budget cuts is still a random draw, less the chunk it cut). Writes the kill rate per file and
every survivor's diff to benchmarks/results/mutation.{json,md}. Rerun in the same ``--workdir`` to continue an
interrupted run, or one that ``--minutes`` stopped (its unchecked mutants are counted as such, not as survivors).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
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
         "tests/models/test_vae_training.py", "tests/models/test_cvae.py", "tests/models/test_losses.py",
         "tests/test_metric_errors.py",
         "tests/models/test_gan.py::test_mode_coverage_counts",
         "tests/models/test_gan_family.py::test_clustering_accuracy_matches_clusters_to_classes",
         "tests/test_report.py::test_representation_metrics_on_separable_and_on_random_codes"]
# in vae.py only the KL and IWAE code is in scope: the functions and methods whose names match
FOCUS = {"genzoo.models.vae": re.compile(r"kl_|log_normal|_posterior|_log_px|_prior|_terms|_log_weights|_losses|"
                                         r"_kl_weight|_nll|log_likelihood|_iwae|score_samples")}
KILLED = {"killed", "timeout"}
NO_SUCH_MUTANT = "genzoo.no_such_module.x_none__mutmut_0"
CHUNK = 25  # mutants per mutmut run


def module_of(mutant: str) -> str:
    """``genzoo.metrics.samples`` of ``genzoo.metrics.samples.x_kid__mutmut_3`` (methods: ``...xǁClassǁname__...``)."""
    return re.split(r"\.xǁ|\.x_", mutant)[0]


def in_focus(mutant: str) -> bool:
    pattern = FOCUS.get(module_of(mutant))
    return pattern is None or bool(pattern.search(mutant[len(module_of(mutant)):].split("__mutmut_")[0]))


def every_mutant(workdir: Path) -> dict[str, int | None]:
    """Every generated mutant in scope: its mutmut exit code, None while unchecked."""
    codes: dict[str, int | None] = {}
    for meta in sorted((workdir / "mutants" / "src").rglob("*.py.meta")):
        codes.update(json.loads(meta.read_text())["exit_code_by_key"])
    return {name: code for name, code in codes.items() if in_focus(name)}


def wilson(killed: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The 95% Wilson score interval of a kill rate ``killed / n`` estimated from ``n`` random mutants."""
    if n == 0:
        return 0.0, 1.0
    p, d = killed / n, 1 + z * z / n
    centre, half = (p + z * z / (2 * n)) / d, z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return max(0.0, centre - half), min(1.0, centre + half)


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
                'also_copy = ["tests/", "benchmarks/"]\n'
                # at least (10 s + the tests' time) x 30 of CPU before a timeout: a module-scoped fixture's cost (the
                # digits classifier trained once per session) lands on one test of mutmut's timing run
                "timeout_constant = 10.0\n")
    shared = REPO.parent / "shared"
    if shared.exists() and not (workdir.parent / "shared").exists():
        (workdir.parent / "shared").symlink_to(shared)  # MNIST for the tests that use it


def markdown(result: dict) -> str:
    lines = ["| module | mutants | drawn | checked | killed (incl. timeouts) | of which timeouts | survived | "
             "no test runs it | kill rate | 95% interval |", "|---|---|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r['module']} | {r['mutants']} | {r['drawn']} | {r['checked']} | {r['killed']} | {r['timeouts']} | "
              f"{r['survived']} | {r['no_tests']} | {100 * r['kill_rate']:.0f}% | {100 * r['interval'][0]:.0f}–"
              f"{100 * r['interval'][1]:.0f}% |" for r in result['rows']]
    drawn = (f"{result['sample']} mutants drawn at random (seed {result['seed']}) from" if result['sample'] is not None
             else "every mutant of")
    lines += ["",
              f"mutmut, {drawn} {', '.join(result['scope'])} (vae.py: its KL and IWAE code), against "
              f"{', '.join(result['tests'])}; {result['seconds']} s.", ""]
    for name, diff in result['survivors'].items():
        lines += [f"Survivor `{name}`:", "", "```diff", *diff.splitlines()[-12:], "```", ""]
    lines += [footer(result)]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", default="/tmp/genzoo-mutation")
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--scope", nargs="+", default=SCOPE, help="files or folders under src/genzoo to mutate")
    parser.add_argument("--minutes", type=float, default=None,
                        help="stop mutmut after this many minutes (rerun in the same --workdir to go on)")
    parser.add_argument("--sample", type=int, default=None,
                        help="check this many mutants drawn at random from the scope, not all of them")
    parser.add_argument("--seed", type=int, default=0, help="the draw of --sample")
    args = parser.parse_args()
    workdir, mutmut = Path(args.workdir), Path(sys.executable).parent / "mutmut"
    if not (workdir / "pyproject.toml").exists():
        configure(workdir, args.scope)
    started, t0 = provenance(), time.perf_counter()
    # one torch thread: mutmut forks its workers from a process whose tests already started OpenMP's thread pool, and
    # a forked child's first parallel kernel (the domain classifier's convolutions) then waits forever
    env = {**os.environ, "PYTHONPATH": "src", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    if not every_mutant(workdir):  # generate the mutants and mutmut's map of tests; the name matches none of them
        subprocess.run([str(mutmut), "run", NO_SUCH_MUTANT], cwd=workdir, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    population = every_mutant(workdir)
    if not population:
        sys.exit(f"mutmut generated no mutants in {workdir}: run `mutmut run` there to see why")
    chosen = sorted(population)
    if args.sample is not None and args.sample < len(chosen):
        chosen = random.Random(args.seed).sample(chosen, args.sample)  # in drawn order
    todo = [name for name in chosen if population[name] is None]
    deadline = time.monotonic() + args.minutes * 60 if args.minutes else None
    for start in range(0, len(todo), CHUNK):  # mutmut checks the fastest first: chunks keep a cut run a random draw
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            break
        run = subprocess.Popen([str(mutmut), "run", "--max-children", str(args.max_children),
                                *todo[start:start + CHUNK]], cwd=workdir, env=env, stdout=subprocess.DEVNULL,
                               start_new_session=True)
        try:
            run.wait(timeout=left)
        except subprocess.TimeoutExpired:  # the budget is spent: what was checked stands, the rest stays "not checked"
            os.killpg(run.pid, signal.SIGTERM)
            run.wait()
    chosen = sorted(chosen)
    listing = subprocess.run([str(mutmut), "results", "--all", "true"], cwd=workdir, env=env, capture_output=True,
                             text=True).stdout
    status = {m[0]: m[1] for m in re.findall(r"^\s*([\w.ǁ]+__mutmut_\d+): (.+)$", listing, re.M)}
    by_file: dict[str, Counter] = defaultdict(Counter)
    for name in chosen:
        by_file[module_of(name)][status.get(name, "not checked")] += 1
    by_file["all"] = sum(by_file.values(), Counter())
    population_by_file = Counter(module_of(name) for name in population)
    population_by_file["all"] = len(population)
    rows = []
    for module, counts in sorted(by_file.items(), key=lambda kv: kv[0] == "all"):
        checked = sum(counts.values()) - counts["not checked"]
        killed = sum(counts[s] for s in KILLED)
        low, high = wilson(killed, checked)
        rows.append({"module": module, "mutants": population_by_file[module], "drawn": sum(counts.values()),
                     "checked": checked, "killed": killed, "timeouts": counts["timeout"], "survived": counts["survived"],
                     "no_tests": counts["no tests"], "kill_rate": killed / checked if checked else 0.0,
                     "interval": [low, high]})
    survivors = [name for name in chosen if status.get(name) in ("survived", "no tests")]
    diffs = {name: subprocess.run([str(mutmut), "show", name], cwd=workdir, env=env, capture_output=True,
                                  text=True).stdout.strip() for name in survivors}
    result = {"rows": rows, "sample": args.sample, "seed": args.seed, "scope": args.scope, "tests": TESTS,
              "survivors": diffs,
              "seconds": round(time.perf_counter() - t0), **started}
    (ROOT / "results" / "mutation.json").write_text(json.dumps(result, indent=2) + "\n")
    (ROOT / "results" / "mutation.md").write_text(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()
