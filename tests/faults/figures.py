"""Figures the load and kill tests measured, for the session summary (docs/operations.md quotes them)."""

FIGURES: list[str] = []


def record(line: str) -> None:
    print(line)
    FIGURES.append(line)
