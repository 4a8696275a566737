"""The README's measured tables are copies of the results files they name, and every results file says where its
figures came from (commit, command, machine) or that they predate that record."""

import re
from pathlib import Path

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
