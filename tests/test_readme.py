"""The README's measured tables are copies of the results files they name, and every results file says where its
figures came from (commit, command, machine) or that they predate that record."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from genzoo.provenance import commit

REPO = Path(__file__).resolve().parents[1]
MARKER = re.compile(r"<!-- copied from (benchmarks/results/[\w.-]+\.md) -->")
NOT_RESULTS = {  # the header rows of the README's tables that hold no measured figures
    "| name | what | where it comes from |", "| command | what it does |", "| model | CLI | what it adds | seed |",
    "| what | functions | notes |", "| view | shown for models that | what it does |",
    "| bad input | what genzoo says (exit code 2 on the command line) |",
    "| `genzoo train` | Python | what differs from `gan` (paper defaults; every parameter stays settable) |",
}


def tables(text: str) -> list[tuple[str | None, int, list[str]]]:
    """Each Markdown table of ``text``: (the results file its marker names, its first line number, its lines)."""
    lines, found, i = text.splitlines(), [], 0
    while i < len(lines):
        if lines[i].startswith("|"):
            j = i
            while j < len(lines) and lines[j].startswith("|"):
                j += 1
            before = [line for line in lines[max(0, i - 3):i] if line.strip()]
            marker = MARKER.fullmatch(before[-1].strip()) if before else None
            found.append((marker.group(1) if marker else None, i + 1, lines[i:j]))
            i = j
        else:
            i += 1
    return found


def test_every_measured_table_is_a_copy_of_its_results_file():
    readme = (REPO / "README.md").read_text()
    copied = 0
    for source, line, table in tables(readme):
        if source is None:
            assert table[0] in NOT_RESULTS, f"README line {line}: a table without <!-- copied from ... --> above it"
            continue
        results = (REPO / source).read_text().splitlines()
        starts = [k for k in range(len(results)) if results[k:k + len(table)] == table]
        assert starts, f"README line {line}: this table differs from the one in {source}; copy it again"
        copied += 1
    assert copied >= 10


def test_a_changed_figure_is_caught():
    readme = (REPO / "README.md").read_text()
    source, _line, table = next(t for t in tables(readme) if t[0])
    altered = [*table[:2], table[2].replace("|", "| 1", 2), *table[3:]]
    results = (REPO / source).read_text().splitlines()
    assert not any(results[k:k + len(altered)] == altered for k in range(len(results)))


def test_every_results_file_records_where_its_figures_came_from():
    for path in sorted((REPO / "benchmarks" / "results").glob("*.md")):
        text = path.read_text()
        footers = re.findall(r"Commit `[0-9a-f]{12}(?:\+dirty)?`; command `(?:python|genzoo) [^`]+`; machine: .+", text)
        assert footers or "No provenance recorded" in text, f"{path.name} does not say what it was measured on"


# Figures the README's prose quotes: (the sentence's words, the results file, the cell or words that hold the figure)
PROSE = [
    ("The IWAE (k = 5) scores **85.76 nats on the whole test split**", "vae-reproduce.md", "**85.76** (10000 images)"),
    ("M1+M2 meets both targets on 2 CPU cores: 96.62% with 1,000 labels", "semisupervised.md", "**96.62%**"),
    ("and 94.18% with 100", "semisupervised.md", "**94.18%**"),
    ("24.8/25 modes, 24 in the worst", "gan-family.md", "| 24.8/25 | 24/25 |"),
    ("**93% of the mutants are caught (95% interval 90–95%", "mutation.md", "| 93% | 90–95% |"),
]


@pytest.mark.parametrize("words, source, figure", PROSE)
def test_the_figures_the_prose_quotes_are_in_their_results_files(words, source, figure):
    readme = " ".join((REPO / "README.md").read_text().split())
    assert " ".join(words.split()) in readme, f"the README no longer says {words!r}; update PROSE"
    assert figure in (REPO / "benchmarks" / "results" / source).read_text(), f"{source} no longer holds {figure!r}"


def check_results(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "benchmarks/check_results.py", "--results", str(folder)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def test_every_results_file_is_what_its_benchmark_writes_and_its_stamps_are_true():
    done = check_results(REPO / "benchmarks" / "results")
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("fault, expected", [
    ("figure", "differs from what benchmarks/vqvae.py writes from vqvae.json"),
    ("missing commit", "commit 0123456789ab is not in this repository"),
    ("dirty", "is a tree with uncommitted changes"),
    ("notes in the command", "is not a bare command line"),
])
def test_the_results_check_catches_an_edited_figure_a_foreign_commit_a_dirty_tree_and_notes(tmp_path, fault, expected):
    """Each fault made for real in a copy of one results file (vqvae, whose footer names a real commit)."""
    for suffix in (".md", ".json"):
        shutil.copy(REPO / "benchmarks" / "results" / f"vqvae{suffix}", tmp_path)
    md = tmp_path / "vqvae.md"
    text = md.read_text()
    commit = re.search(r"Commit `([0-9a-f]{12})`", text).group(1)
    changed = {
        "figure": lambda t: re.sub(r"\| 0\.(\d)", lambda m: f"| 0.{(int(m.group(1)) + 1) % 10}", t, count=1),
        "missing commit": lambda t: t.replace(commit, "0123456789ab"),
        "dirty": lambda t: t.replace(f"`{commit}`", f"`{commit}+dirty`"),
        "notes in the command": lambda t: t.replace("py`;", "py (rows recovered from its log)`;"),
    }[fault](text)
    assert changed != text
    md.write_text(changed)
    done = check_results(tmp_path)
    assert done.returncode == 1 and expected in done.stdout, done.stdout


def test_a_benchmark_run_on_an_uncommitted_tree_is_stamped_dirty_even_for_a_new_file(tmp_path):
    """provenance.commit: a clean checkout gives HEAD's hash; a new untracked file under src/ makes it +dirty."""
    def git(*args):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=tmp_path, check=True,
                       capture_output=True)

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text("x = 1\n")
    git("init", "-q")
    git("add", ".")
    git("commit", "-qm", "a")
    assert re.fullmatch(r"[0-9a-f]{12}", commit(tmp_path))
    (tmp_path / "src" / "b.py").write_text("y = 2\n")
    assert commit(tmp_path).endswith("+dirty")
