"""The `loagen` command line: the only place that prints or exits.

Every command goes through `Pipeline` (or an operation in `ops`, which goes through it); every
loagen error is printed by `common._present` with the exit code of `errors.EXIT_CODES`.

`common` holds the application and what every command shares; the commands live in one module
per area, each registering with `@command(rich_help_panel=PANEL)`. A new area is a new module
added to the imports below, whose order is the order of the panels in `loagen --help`: the
case writer's day first, the policy staff's tools last.
"""

# ruff: noqa: I001, F401  (the imports register the commands, in this order)
from . import start
from . import documents
from . import review, report, package
from . import many
from . import library
from . import studio
from . import common
from .common import app

__all__ = ["app", "main"]


def main() -> None:
    """The `loagen` command: one command, then the process exits with its status."""
    common.OWN_PROCESS = True
    app()
