"""Print line and branch coverage apart from coverage.py's data files (`make coverage`, docs/testing.md).

Usage: python -m tests.coverage_summary LABEL=DATAFILE[+DATAFILE...] ...
Each label's data files are combined (in memory) and summed over every Python file of backend/ and web/,
those no test imported included.
"""

from __future__ import annotations

import sys
from pathlib import Path

import coverage


def totals(files: list[str]) -> tuple[int, int, int, int]:
    cov = coverage.Coverage(data_file=None, config_file="pyproject.toml")
    data = cov.get_data()
    for name in files:
        part = coverage.CoverageData(basename=name)
        part.read()
        data.update(part)
    lines = covered = branches = taken = 0
    for path in sorted(str(p.resolve()) for root in ("backend", "web") for p in Path(root).rglob("*.py")):
        analysis = cov._analyze(path)  # noqa: SLF001 - the public API only reports combined percentages
        numbers = analysis.numbers
        lines += numbers.n_statements
        covered += numbers.n_statements - numbers.n_missing
        branches += numbers.n_branches
        taken += numbers.n_branches - numbers.n_missing_branches
    return covered, lines, taken, branches


def main(argv: list[str]) -> None:
    print(f"{'':<12} {'lines':>22} {'branches':>22}")
    for arg in argv:
        label, _, spec = arg.partition("=")
        covered, lines, taken, branches = totals(spec.split("+"))
        print(f"{label:<12} {covered / lines:>8.2%} ({covered:>5}/{lines:>5}) {taken / branches:>8.2%} ({taken:>5}/{branches:>5})")


if __name__ == "__main__":
    main(sys.argv[1:])
