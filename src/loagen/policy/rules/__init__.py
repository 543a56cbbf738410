"""The note library's expression language: when a note applies, and what its placeholders may name.

A rule is one short Jinja expression; a note body is Markdown with Jinja placeholders. The
package is split along Jinja's own layers:

- `runtime`: the names of one document and the helpers (one table each: adding a helper is
  one entry there);
- `shapes`: what each name and field holds, read off the case models, and the scope;
- `checker`: the static checker (a `jinja2.visitor.NodeVisitor`) that refuses unknown names,
  fields and values before anything runs, with "did you mean";
- `sandbox`: the limits policy content runs under;
- `compiler`: rules compiled to Python, bodies to sandboxed templates, and evaluation with
  explanations.

Names a rule can use
--------------------
Data of the document (`runtime.DATA`): `case` (the case snapshot: every field of the case
file), `document`/`doc` (`case.document`), `lines` (a line set), `basic` (the Basic's snapshot),
`changes` (`added`, `deleted`, `touched`, `increased`, `scope` line sets; `scope_changed`,
`has_previous`), `costs` (the cost summary), `limits` (reference/money.yaml), `oed` (the latest
offer expiration date), `added_lines`, `touched_lines`, `deleted_lines`, and the flags
`is_basic`, `is_amendment`, `is_modification`, `is_restated`, `is_implemented`, `is_fms`,
`is_bpc`; `party`, `ia_name`, `country_name`.

Helpers (`runtime.HELPERS`): `lines_with(field=value, ...)` (also `any_line`): the lines where
every condition holds (`__` reaches into a part, `training__location="CONUS"`; a list means one
of; True/False mean present/absent; a last `__gt`, `__ge`, `__lt`, `__le` compares numbers,
`__not` negates); `lines_with_item("nvd", ...)`; `has_term("EDA Grant", ...)`;
`date("2018-06-01")`; and the wording helpers of `document.wording.NOTE_HELPERS`: `refs`,
`spell_date`, `money`, `percent`, `rates_before`, `quantity`, `grouped`, `by_approval`, `plural`,
`sentence`, `item_name`, `for_end_item`.

Which lines a rule names: a line set names its lines; in `A and B` the lines are those of the
right-most part that names lines (so write the condition first: `is_fms and lines_with(...)`);
in `A or B` they are the lines of every true part.

A note body can also use `note_lines` (the lines the note is about on this document) and, in a
line note, `line`. Case text is inserted with Markdown characters escaped, on one line.
"""

from .compiler import (
    Body,
    Outcome,
    Rule,
    Term,
    compile_body,
    compile_rule,
    decide,
    environment,
    escape_markdown,
    explain,
    failure_words,
    plain,
)
from .runtime import DATA, HELPERS, LineSet, document_names
from .sandbox import LOOP_GUARD, LimitError, loop_guard, render_bounded

__all__ = [
    "DATA", "HELPERS", "LOOP_GUARD", "Body", "LimitError", "LineSet", "Outcome", "Rule", "Term",
    "compile_body", "compile_rule", "decide", "document_names", "environment",
    "escape_markdown", "explain", "failure_words", "loop_guard", "plain", "render_bounded",
]  # fmt: skip
