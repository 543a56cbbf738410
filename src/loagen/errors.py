"""loagen's error types: one base class, one message format, one exit code each."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input: the file, where in it, and what was expected."""

    source: Path | None
    location: str
    message: str

    def to_dict(self) -> dict[str, str | None]:
        """{file, path, message}: the problem as JSON data."""
        return {
            "file": str(self.source) if self.source else None,
            "path": self.location,
            "message": self.message,
        }

    def __str__(self) -> str:
        where = str(self.source) if self.source else ""
        if self.location:
            where = f"{where}: {self.location}" if where else self.location
        return f"{where}: {self.message}" if where else self.message


class LoagenError(Exception):
    """An expected, user-caused failure. The CLI prints it without a traceback."""

    exit_code = 1

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

    def __str__(self) -> str:
        head = str(Problem(self.source, self.location, self.message))
        if self.source_line:
            head += f"\n    {self.source_line.strip()}"
        return head


def _with_problems(error: LoagenError) -> str:
    """The error's own line, then each problem it carries on a line of its own."""
    own = Problem(error.source, error.location, error.message)
    if error.problems == (own,):
        return LoagenError.__str__(error)
    return "\n".join([error.message] + [f"  {p}" for p in error.problems])


class CaseError(LoagenError):
    """A case file that cannot be read or does not follow the case contract."""

    def __str__(self) -> str:
        return _with_problems(self)


class HistoryError(LoagenError):
    """A broken chain of document snapshots (missing, foreign or circular `previous`)."""


class NoteError(LoagenError):
    """A note library file that cannot be loaded or checked."""

    def __str__(self) -> str:
        return _with_problems(self)


class RuleError(NoteError):
    """A note rule that does not parse, or names a field the case model does not have."""


class RenderError(LoagenError):
    """A template that cannot be loaded or rendered."""


class CheckError(LoagenError):
    """Quality-control checks found errors and the build was stopped."""

    def __str__(self) -> str:
        return _with_problems(self)


class OutputError(LoagenError):
    """Output that could not be written."""


def did_you_mean(word: str, choices: list[str] | tuple[str, ...] | set[str]) -> str:
    """Return ' (did you mean X?)' for the closest choice to `word`, or ''."""
    import difflib

    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
