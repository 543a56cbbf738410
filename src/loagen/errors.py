"""loagen's error types: one base class, one message format, and one table of exit codes.

Libraries raise these; the command line (and the studio) present them. Every class here is an
expected, user-caused failure with a plain message; any other exception is a bug.

Exit codes (`EXIT_CODES`, printed in the README):

| code | meaning |
|------|---------|
| 0    | done |
| 1    | quality checks found errors (warnings too with --strict), or some documents of a batch failed |
| 2    | the command line is wrong (an unknown option, a missing argument, a bad value) |
| 3    | a case file cannot be read or does not follow the case contract (its `previous` chain too) |
| 4    | the note library has problems |
| 5    | a Word template cannot be loaded or rendered |
| 6    | output cannot be written |
| 7    | a tool loagen runs is missing or failed (LibreOffice, git, the redline engine) |
| 8    | no loagen project here (no folder with templates/ and note_library/) |
| 130  | interrupted (Ctrl-C); every file written is complete |
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

QUOTE_LIMIT = 80
"""Longest piece of input quoted in a message (the rest is cut with '...')."""


def quoted(value: object, limit: int = QUOTE_LIMIT) -> str:
    """`value` as a message shows it: repr-quoted, cut to `limit` characters; a list or an
    object is described, not printed (it may be huge, or nested deep)."""
    if isinstance(value, (list, tuple)):
        return f"a list of {len(value)} item{'s' if len(value) != 1 else ''}"
    if isinstance(value, dict):
        return f"an object with {len(value)} field{'s' if len(value) != 1 else ''}"
    if isinstance(value, str) and len(value) > limit:
        value = value[:limit]
    text = repr(value)
    if len(text) <= limit:
        return text
    return text[: limit - 4] + "...'"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input: the file, where in it, and what was expected."""

    source: Path | None
    location: str
    message: str
    line: int | None = None
    """The line of the file the value is written on, when known (a YAML case file)."""
    label: str = ""
    """What `location` names in a reader's words, when it says more: 'Line 002' for
    `lines[1]...` (the JSON path counts from 0, a writer reads line numbers)."""

    def to_dict(self) -> dict[str, str | int | None]:
        """{file, path, message} (and `line` when known): the problem as JSON data."""
        out: dict[str, str | int | None] = {
            "file": str(self.source) if self.source else None,
            "path": self.location,
            "message": self.message,
        }
        if self.line is not None:
            out["line"] = self.line
        return out

    def __str__(self) -> str:
        where = str(self.source) if self.source else ""
        location = f"{self.location} ({self.label})" if self.label else self.location
        if self.line is not None:
            location = f"line {self.line}, {location}"
        if location:
            where = f"{where}: {location}" if where else location
        return f"{where}: {self.message}" if where else self.message


class LoagenError(Exception):
    """An expected, user-caused failure. Front ends print it without a traceback."""

    def __init__(
        self,
        message: str,
        *,
        source: Path | None = None,
        location: str = "",
        source_line: str | None = None,
        problems: tuple[Problem, ...] = (),
    ) -> None:
        self.message = message
        self.source = source
        self.location = location
        self.source_line = source_line
        self.problems = problems or (Problem(source, location, message),)
        super().__init__(str(self))

    @property
    def exit_code(self) -> int:
        """The process exit code for this error (the first class of `EXIT_CODES` it is)."""
        return exit_code_for(self)

    def __str__(self) -> str:
        own = Problem(self.source, self.location, self.message)
        if len(self.problems) > 1 or self.problems != (own,):
            return "\n".join([self.message] + [f"  {p}" for p in self.problems])
        head = str(own)
        if self.source_line:
            head += f"\n    {self.source_line.strip()[:200]}"
        return head


class ProjectError(LoagenError):
    """No loagen project (a folder with templates/ and note_library/) where one is needed."""


class CaseError(LoagenError):
    """A case file that cannot be read or does not follow the case contract."""


class HistoryError(CaseError):
    """A broken chain of document snapshots (missing, foreign or circular `previous`)."""


class RestateError(CaseError):
    """A document that cannot be restated."""


class ScaffoldError(CaseError):
    """A new case file or next document that cannot be started."""


class DiffError(CaseError):
    """Two versions that cannot be compared."""


class NoteError(LoagenError):
    """A note library file that cannot be loaded or checked."""


class RuleError(NoteError):
    """A note rule that does not parse, or names a field the case model does not have."""


class RenderError(LoagenError):
    """A template that cannot be loaded or rendered."""


class CheckError(LoagenError):
    """Quality-control checks found errors and the build was stopped."""


class OutputError(LoagenError):
    """Output that could not be written."""


class ToolError(LoagenError):
    """A program loagen runs is missing or failed: LibreOffice, git, the redline engine."""


class ImpactError(ToolError):
    """The revision or the project cannot be compared."""


class UsageError(LoagenError):
    """A value given on the command line names nothing there is (a git revision that does not
    exist): the command line is wrong."""


class Interrupted(LoagenError):
    """The user stopped the work (Ctrl-C or SIGTERM); everything written is complete."""


EXIT_CODES: tuple[tuple[type[LoagenError], int], ...] = (
    (CheckError, 1),
    (CaseError, 3),
    (NoteError, 4),
    (RenderError, 5),
    (OutputError, 6),
    (ToolError, 7),
    (ProjectError, 8),
    (UsageError, 2),
    (Interrupted, 130),
    (LoagenError, 1),
)
"""Error class -> exit code; the first class an error is an instance of decides."""

EXIT_USAGE = 2
"""The command line is wrong (Typer's own code for usage errors)."""
EXIT_FAILED = 1
"""Quality checks found errors, or some documents of many failed."""


def exit_code_for(error: LoagenError) -> int:
    for cls, code in EXIT_CODES:
        if isinstance(error, cls):
            return code
    return 1


def did_you_mean(
    word: str, choices: list[str] | tuple[str, ...] | set[str] | frozenset[str]
) -> str:
    """Return ' (did you mean X?)' for the closest choice to `word`, or '': the choice written
    with other capitals first ('ea' -> 'EA', 'training' -> 'Training'), else the nearest by
    spelling."""
    text = word[:100]
    same = [c for c in sorted(choices) if c.casefold() == text.casefold()]
    close = same or difflib.get_close_matches(text, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
