"""loagen studio: the project in a browser, for case writers, reviewers and policy staff.

A small web application (Starlette, served by uvicorn on 127.0.0.1) over one project folder:
its pages call the same functions as the command line (`Pipeline`, `ops`) and add no pipeline
logic of their own. `create_app(project)` makes the application; `loagen studio` serves it.
Installed with the `studio` extra (`pip install -e ".[studio]"`).
"""

from __future__ import annotations

__all__ = ["create_app"]


def create_app(*args, **kwargs):  # noqa: ANN002, ANN003, ANN201
    from .app import create_app as make

    return make(*args, **kwargs)
