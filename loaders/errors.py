"""The error a loader raises when an input file cannot be trusted."""

from __future__ import annotations


class BuildError(Exception):
    """An input problem that stops the build, located as precisely as the reader can."""

    def __init__(self, problem: str, *, file: str | None = None, sheet: str | None = None,
                 row: int | None = None, column: str | None = None, fix: str | None = None):
        self.problem = problem
        self.file = file
        self.sheet = sheet
        self.row = row
        self.column = column
        self.fix = fix
        super().__init__(self.describe())

    def describe(self) -> str:
        where = []
        if self.file:
            where.append(f"file '{self.file}'")
        if self.sheet:
            where.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        text = (", ".join(where) + ": " if where else "") + self.problem
        if self.fix:
            text += f" Fix: {self.fix}"
        return text
