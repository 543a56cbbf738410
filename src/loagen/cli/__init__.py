"""The `loagen` command line: the only place that prints or exits.

Every command goes through `Pipeline` (or an operation in `ops`, which goes through it); every
loagen error is printed by `common._present` with the exit code of `errors.EXIT_CODES`.

`common` holds the application and what every command shares; the commands live in one module
per area, each registering with `@command(rich_help_panel=PANEL)`. A new area is a new module
added to the import below.
"""

from . import documents, library, many, package, report, review, start, studio  # noqa: F401  (they register the commands)
from .common import app

__all__ = ["app", "main"]


def main() -> None:
    app()
