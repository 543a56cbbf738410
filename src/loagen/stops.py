"""The signals that stop a command, in one place.

Ctrl-C (SIGINT) and SIGTERM stop a command. Code that must not be cut in the middle (a file
written and recorded for clean-up, a worker forked) holds them, `STOP_SIGNALS`, for the few
milliseconds it takes; a stop asked for meanwhile takes effect right after.

A stop that arrives while Python runs a finalizer (a `__del__` the garbage collector calls,
such as `zipfile.ZipFile`'s) cannot stop anything there: Python prints it as "Exception
ignored", with a traceback, and goes on as if it had not come. While a command runs,
`stop_again_soon` (installed as `sys.unraisablehook`) delivers such a stop again a millisecond
later, by `REDELIVERY` (SIGALRM, held with the others), outside the finalizer, where it stops
the command as anywhere else."""

from __future__ import annotations

import signal
import sys
from typing import Any

REDELIVERY: signal.Signals | None = getattr(signal, "SIGALRM", None)
"""The signal a stop caught in a finalizer comes back by (none where the system has no timer
signal: there such a stop is lost, as Python loses it)."""

STOP_SIGNALS = frozenset(s for s in (signal.SIGINT, signal.SIGTERM, REDELIVERY) if s is not None)
"""The signals held where a stop must wait (`signal.pthread_sigmask`)."""

AGAIN_AFTER = 0.001
"""Seconds after which a stop caught in a finalizer is delivered again."""


def stop_again_soon(unraisable: Any) -> None:
    """`sys.unraisablehook` while a command runs: a stop (KeyboardInterrupt, which the
    command's handlers raise for Ctrl-C and SIGTERM) raised inside a finalizer is delivered
    again `AGAIN_AFTER` seconds later, without a traceback; anything else is reported as
    Python reports it."""
    if isinstance(unraisable.exc_value, KeyboardInterrupt) and REDELIVERY is not None:
        signal.setitimer(signal.ITIMER_REAL, AGAIN_AFTER)
        return
    sys.__unraisablehook__(unraisable)
