"""What an import of requests did: counts, the bad rows (with their line numbers), and its speed."""
from __future__ import annotations

from dataclasses import dataclass, field

MAX_PROBLEMS = 50  # bad rows listed one by one; the rest are counted


@dataclass
class ImportReport:
    format: str = ""
    detected: bool = False
    rows: int = 0
    imported: int = 0
    existing: int = 0
    repeated: int = 0
    bad: int = 0
    problems: list[str] = field(default_factory=list)
    new_types: list[str] = field(default_factory=list)
    without_point: int = 0
    without_neighbourhood: int = 0
    links: int = 0
    notes: int = 0
    bulk: bool = False
    seconds: float = 0.0
    database_seconds: float = 0.0  # of which writing, index rebuilds and commits (the rest: reading)

    def problem(self, line: int, message: str) -> None:
        self.bad += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(f"line {line}: {message}")

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0
