"""The one error type users see: bad input, reported as one line naming file, line and fix.

Every loader, the topology reader and the CLI raise ``InputError`` for anything wrong in what the user
gave; the CLI turns it into ``file:line: message (hint: …)`` and exit code 2, never a traceback.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_INPUT = 2


class InputError(Exception):
    """Something the user gave us is wrong; carries where and how to fix it."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.hint = hint

    def located(self, file: str | None = None, line: int | None = None) -> InputError:
        """Fill in the location where the raiser did not know it."""
        if self.file is None and file is not None:
            self.file = file
        if self.line is None and line is not None:
            self.line = line
        return self

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line:
                where += f":{self.line}"
                if self.column:
                    where += f":{self.column}"
            where += ": "
        text = f"{where}{self.message}"
        if self.hint:
            text += f" (hint: {self.hint})"
        return " ".join(text.split())  # always one line
