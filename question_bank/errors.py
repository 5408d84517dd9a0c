"""Problems found in bank, blueprint and position files."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem in an input file, located as precisely as we can."""

    file: str
    line: int | None
    item: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        """Render as ``file:line: item ID: field: message`` (absent parts omitted)."""
        where = self.file
        if self.line is not None:
            where = f"{where}:{self.line}"
        parts = [where] if where else []
        if self.item:
            parts.append(f"item {self.item}")
        if self.field:
            parts.append(self.field)
        parts.append(self.message)
        return ": ".join(parts)


class BankError(Exception):
    """Raised when input files have problems; nothing from them may be used."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        shown = "\n".join(str(p) for p in self.problems[:50])
        more = len(self.problems) - 50
        if more > 0:
            shown += f"\n... and {more} more"
        super().__init__(f"{len(self.problems)} problem(s):\n{shown}")
