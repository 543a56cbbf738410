"""`python -m loagen` and the `loagen` command: start the command line.

Until a command starts, Ctrl-C or SIGTERM ends the process at once with status 130 (nothing
has been written yet); the command then takes over (see `cli.common._present`)."""

import _signal  # first, and the C module itself: Ctrl-C while loagen loads ends it quietly
import gc

gc.disable()  # until the modules are loaded: nothing they make is garbage (see cli.common._started)


def _stop(signum: int, frame: object) -> None:
    import os

    os._exit(130)


_signal.signal(_signal.SIGINT, _stop)
_signal.signal(_signal.SIGTERM, _stop)


def main() -> None:
    from .cli import main as run  # imported after the handlers: Ctrl-C during imports is quiet

    run()


if __name__ == "__main__":
    main()
