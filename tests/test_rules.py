"""Rules: checked against the case model before they run, sandboxed, and explained part by part."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jinja2.exceptions import SecurityError

from loagen.case.loading import CaseFile, parse_case
from loagen.case.placeholders import is_placeholder
from loagen.document import assemble
from loagen.errors import RuleError
from loagen.policy.notes import load_library
from loagen.policy.rules import compile_rule, document_names, environment, escape_markdown
from loagen.policy.rules import explain as evaluate

from .conftest import case_text, example

rule_names = document_names

LIBRARY = Path(__file__).resolve().parents[1] / "note_library"


def document(*docs):
    """A LoaDocument built in memory from case dicts (oldest first), without touching disk."""
    files = tuple(
        CaseFile(Path(f"doc{i}.json"), parse_case(copy.deepcopy(d)), "0" * 64)
        for i, d in enumerate(docs)
    )
    return assemble(files)


def amendment_chain():
    return example("BN-D-QAA/basic"), example("BN-D-QAA/amendment-1")


def run(rule: str, *docs):
    return evaluate(compile_rule(rule), rule_names(document(*docs)))


# -- checking before anything runs ----------------------------------------------------------------


class TestChecking:
    def test_names_an_unknown_field_and_the_near_miss(self):
        with pytest.raises(RuleError) as info:
            compile_rule('case.catgory == "defined_order"')
        assert "unknown field case.catgory (did you mean 'case.category'?)" in str(info.value)

    def test_names_the_helper_a_misspelt_call_means(self):
        with pytest.raises(RuleError) as info:
            compile_rule('line_with(source_code="P")')
        assert "line_with(...) cannot be called" in str(info.value)
        assert "(did you mean 'lines_with'?)" in str(info.value)

    def test_points_at_the_note_file_line_and_shows_it(self, tmp_path):
        lines = ["---", "id: X", "rule: >-", "  is_fms", "  and case.documnt.case_closure", "---"]
        with pytest.raises(RuleError) as info:
            compile_rule(
                "is_fms and case.documnt.case_closure",
                source=tmp_path / "X.md",
                line=4,
                end_line=5,
                file_lines=lines,
            )
        error = info.value
        assert error.location == "line 5"
        assert error.source_line == "  and case.documnt.case_closure"
        assert str(error).startswith(
            f"{tmp_path / 'X.md'}: line 5: rule unknown field case.documnt"
        )
        assert "did you mean 'case.document'?" in str(error)

    @pytest.mark.parametrize(
        ("rule", "expected"),
        [
            ("cse.program", "unknown name 'cse' (did you mean 'case'?)"),
            ("line.kind", "unknown name 'line'"),
            ("lines_with(trainng__location='CONUS')", "did you mean 'training__location'?"),
            ("lines_with(training__locaton='CONUS')", "did you mean 'training__location'?"),
            ('lines_with(source_code="Q")', '"Q" is not a value of line.source_code'),
            ('lines_with(kind="trainig")', "did you mean 'training'?"),
            ('lines_with("P")', "takes conditions as field=value"),
            ('lines_with(total__gt="a lot")', "compares numbers"),
            ('has_term("EDA Grnt")', "did you mean 'EDA Grant'?"),
            ('lines_with_item("nvds")', "did you mean 'nvd'?"),
            ('case.category == "clssa_fmso1"', "did you mean 'clssa_fmso_i'?"),
            ('case.program in ["FMS", "BCP"]', "did you mean 'BPC'?"),
            ('"nvd_" in lines[0].items', "did you mean 'nvd'?"),
            ('date("2018-13-01")', "is not a date"),
            ("lines_with", "is a helper: call it"),
            ("costs.admin_charge > 0", "did you mean 'costs.administrative_charge'?"),
            ("limits.manpower_travel_limit", "did you mean 'limits.manpower_travel_daily_limit'?"),
            ("changes.adde", "did you mean 'changes.added'?"),
            ("lines | lenght", "unknown filter 'lenght'"),
            ("case.nickname.title", "is a plain value and has no field 'title'"),
        ],
    )
    def test_refuses_what_the_model_does_not_have(self, rule, expected):
        with pytest.raises(RuleError) as info:
            compile_rule(rule)
        assert expected in str(info.value)

    def test_refuses_a_syntax_error(self):
        with pytest.raises(RuleError, match="rule does not parse"):
            compile_rule('lines_with(source_code="P"')
        with pytest.raises(RuleError, match="after a complete expression"):
            compile_rule("is_fms is_bpc")

    @pytest.mark.parametrize(
        "rule", ['case.program = "FMS"', 'is_fms and (case.program = "FMS")', "x = 1"]
    )
    def test_refuses_a_single_equals(self, rule):
        with pytest.raises(RuleError, match="single '='"):
            compile_rule(rule)

    def test_accepts_equals_in_helper_arguments_and_comparisons(self):
        compile_rule(
            'lines_with(source_code=["P", "X"]) and case.program != "BPC" and oed >= date("2018-06-01")'
        )

    def test_makes_curly_quotes_straight(self):
        rule = compile_rule("case.program == “FMS” and has_term(‘EDA Grant’)")
        assert rule.text == "case.program == \"FMS\" and has_term('EDA Grant')"

    def test_knows_whether_a_rule_names_lines(self):
        assert compile_rule("is_fms and lines_with(sole_source=True)").names_lines
        assert compile_rule("lines_with_item('nvd') or is_bpc").names_lines
        assert not compile_rule("is_fms and case.category == 'defined_order'").names_lines


class TestSandbox:
    @pytest.mark.parametrize(
        "rule",
        [
            "''.__class__",
            "case.__class__.__mro__",
            "case._kind_rules",
            "lines_with.__globals__",
            "case.model_copy()",
            "case.line('001')",
            "case.nickname.upper()",
            "range(10)",
            "cycler",
            "lipsum()",
            "2 ** 1000",
            "(lines | first).__init__",
            "case.lines[0].__dict__",
            "limits.__class__",
            "lines_with(__class__=1)",
        ],
    )
    def test_refuses_escape_attempts_before_running(self, rule):
        with pytest.raises(RuleError):
            compile_rule(rule)

    def test_blocks_python_internals_at_run_time_too(self):
        case = parse_case(example("BN-D-QAA/basic"))
        env = environment()
        for text in ("{{ case.model_dump() }}", "{{ ''.__class__ }}", "{{ case.__class__ }}"):
            with pytest.raises(SecurityError):
                env.from_string(text).render(case=case)
        assert env.globals == {}

    def test_passes_case_text_as_data_never_as_a_template(self, chain):
        data = example("BN-D-QAA/basic")
        data["lines"][0]["line_note"] = "{{ case.__class__ }} {% for x in range(9) %}x{% endfor %}"
        names = rule_names(chain(data))
        body = environment().from_string("{{ line.line_note }}").render(line=names["lines"][0])
        assert "{{ case.\\_\\_class\\_\\_ }}" in body


# -- evaluation and explanation -----------------------------------------------------------------------


class TestEvaluation:
    def test_reports_each_part_and_the_lines_it_names(self):
        outcome = run("is_fms and lines_with(sole_source=True)", example("BN-D-QAA/basic"))
        assert outcome.value is True
        assert outcome.lines == ("001",)
        assert [(t.text, t.value) for t in outcome.terms] == [
            ("is_fms", True),
            ("lines_with(sole_source=True)", ["001"]),
        ]
        assert outcome.terms[1].names_lines and outcome.terms[1].shown == "Line 001"

    def test_takes_the_lines_of_the_right_most_line_set_in_an_and(self):
        outcome = run(
            "any_line(line_note=True) and lines_with(is_nsr=False)", example("BN-D-QAA/basic")
        )
        assert outcome.lines == ("001", "002", "003", "004", "005", "006")

    def test_takes_the_lines_of_every_true_part_of_an_or(self):
        outcome = run(
            'lines_with_item("gps_saasm") or lines_with(kind="training")', example("BN-D-QAA/basic")
        )
        assert outcome.lines == ("001", "005")

    def test_names_no_line_when_false(self):
        outcome = run('lines_with_item("nvd")', example("BN-D-QAA/basic"))
        assert outcome.value is False and outcome.lines == ()
        assert outcome.terms[0].shown == "no line"

    def test_shows_a_part_that_fails_after_the_outcome_is_known_as_not_evaluated(self):
        outcome = run(
            'is_bpc and case.fund_source.program == "Section 333"', example("BN-D-QAA/basic")
        )
        assert outcome.value is False
        assert outcome.terms[1].evaluated is False and outcome.terms[1].shown == "not evaluated"

    def test_raises_a_rule_error_when_a_part_that_matters_fails(self):
        with pytest.raises(RuleError, match="rule failed on this case at case.fund_source.program"):
            run('case.fund_source.program == "Section 333"', example("BN-D-QAA/basic"))

    def test_sees_the_changes_of_an_amendment(self):
        names = rule_names(document(*amendment_chain()))
        assert names["added_lines"].numbers == ("007",)
        assert names["touched_lines"].numbers == ("002", "003", "006", "007")
        assert names["changes"].scope.numbers == ("006", "007")
        assert names["is_amendment"] and names["is_implemented"]
        outcome = evaluate(compile_rule("changes.scope_changed and changes.added"), names)
        assert outcome.value and outcome.lines == ("007",)

    def test_counts_every_line_of_a_basic_as_added(self):
        names = rule_names(document(example("BN-D-QAA/basic")))
        assert names["added_lines"] == names["lines"] and not names["deleted_lines"]

    def test_compares_numbers_and_reads_limits(self):
        outcome = run(
            "lines_with(manpower__travel_cost_per_day__gt=limits.manpower_travel_daily_limit)",
            example("BN-B-ZEA/basic"),
        )
        assert outcome.lines == ("004",)
        outcome = run("lines_with(total__ge=100000000)", example("BN-D-QAA/basic"))
        assert outcome.lines == ("001",)

    def test_negates_a_condition_and_matches_list_fields(self):
        zea = example("BN-B-ZEA/basic")
        assert run('lines_with(items="eeum", items__not=["nvd"])', zea).value is False
        assert run('lines_with(items=["comsec", "eeum"])', zea).lines == ("003",)
        assert run('lines_with(eda__kind="grant", source_code="E")', zea).lines == ("001",)

    def test_added_lines_with_reads_only_the_lines_a_document_adds(self):
        assert run('added_lines_with(kind="services")', *amendment_chain()).lines == ()
        assert run('added_lines_with(kind="materiel")', *amendment_chain()).lines == ("007",)
        assert run('lines_with(kind="materiel")', *amendment_chain()).lines == (
            "001",
            "002",
            "003",
            "007",
        )
        basic = example("BN-D-QAA/basic")
        assert run('added_lines_with(kind="training")', basic).lines == ("005",)

    def test_in_force_reads_the_notes_the_case_carries_before_the_document(self):
        from loagen.policy.in_force import CaseNotes

        before = CaseNotes.listed([("CN-LONG-LEAD", "1")])
        names = document_names(document(*amendment_chain()), before)
        assert evaluate(compile_rule('in_force("CN-LONG-LEAD")'), names).value is True
        assert evaluate(compile_rule('in_force("SCML", "MTCR")'), names).value is False
        plain = rule_names(document(*amendment_chain()))
        assert evaluate(compile_rule('in_force("CN-LONG-LEAD")'), plain).value is False

    @pytest.mark.parametrize(
        "rule",
        ["in_force(case.nickname)", 'in_force("not an id")', "in_force()"],
    )
    def test_in_force_takes_quoted_note_ids(self, rule):
        with pytest.raises(RuleError, match="note id"):
            compile_rule(rule)


def test_note_bodies_read_the_loop_they_are_in():
    from loagen.policy.rules import compile_body

    body = compile_body(
        "{% for ln in lines %}{{ ln.number }}{{ ' last' if loop.last else ',' }}"
        "{{ ' first' if loop.first else '' }}({{ loop.index }}/{{ loop.length }}) {% endfor %}",
        level="case",
    )
    from loagen.policy.rules.sandbox import LOOP_GUARD, loop_guard

    names = rule_names(document(example("BN-D-QAA/basic")))
    text = body.render({**names, LOOP_GUARD: loop_guard()})
    assert text.startswith("001, first(1/6) 002,(2/6)")
    assert text.rstrip().endswith("006 last(6/6)")


def test_a_line_note_reads_its_line_directly_once_it_holds_a_line():
    """The fields of `line` are read without `_ga` (codegen.TYPED): the body first checks that
    `line` holds a Line; a body given anything else fails, whatever it would read."""
    import types

    from loagen.policy.rules import compile_body
    from loagen.policy.rules.sandbox import LOOP_GUARD, loop_guard

    body = compile_body(
        "{{ line.number }} {{ line.kind }}{{ ' ' ~ line.eda.kind if line.eda else '' }}",
        level="line",
    )
    names = {**rule_names(document(example("BN-D-QAA/basic"))), LOOP_GUARD: loop_guard()}
    line = names["lines"][0]
    assert body.render({**names, "line": line}) == f"{line.number} {line.kind}"
    lookalike = types.SimpleNamespace(number="001", kind="materiel", eda=None)
    with pytest.raises(TypeError, match="line is not a Line"):
        body.render({**names, "line": lookalike})
    with pytest.raises(TypeError):
        body.render({**names, "line": {"number": "001", "kind": "materiel", "eda": None}})


def test_a_text_reading_only_fields_of_its_line_is_kept_by_their_values():
    """A line note's title ("Line Item {{ line.number }} Description") is filled once per
    value of the fields it reads: two lines that differ in any field it reads get their own
    text, and a text that reads anything else is filled every time."""
    from loagen.policy.rules import compile_body
    from loagen.policy.rules.compiler import BODY_LIMIT, _finalize
    from loagen.policy.rules.sandbox import LOOP_GUARD, loop_guard

    body = compile_body(
        "Line {{ line.number }}{{ ' (' ~ line.months ~ ')' if line.months else '' }}"
        "{% if line.kind == 'training' %} training{% endif %}",
        level="line",
    )
    assert body.line_fields == ("kind", "months", "number")
    names = {**rule_names(document(example("BN-D-QAA/basic"))), LOOP_GUARD: loop_guard()}
    line = names["lines"][0]
    variants = [
        line,
        line.model_copy(update={"kind": "training"}),
        line.model_copy(update={"months": "1-2"}),
        line.model_copy(update={"months": None}),
        line.model_copy(update={"number": "099"}),
        line.model_copy(update={"description": "other"}),  # (not read: the same text)
    ]
    for _ in range(2):  # filled, then kept
        for each in variants:
            scope = {**names, "line": each}
            assert body.render(scope) == body.function(scope, _finalize, BODY_LIMIT)
    assert len({body.render({**names, "line": each}) for each in variants}) == 5
    assert len(body._kept) == 5

    flag = compile_body("{{ line.number }} {{ line.major_defense_equipment }}", level="line")
    assert flag.line_fields == ("major_defense_equipment", "number")
    for value in (True, False):  # (not text: filled every time, never kept)
        scope = {**names, "line": line.model_copy(update={"major_defense_equipment": value})}
        assert flag.render(scope) == f"{line.number} {value}"
    assert flag._kept == {}

    for text in (
        "{{ line.number }} {{ party }}",
        "{{ sentence(line.number) }}",
        "{{ line.number | upper }}",
        "{{ line.eda.kind if line.eda else '' }}",
        "{% for n in note_lines %}{{ line.number }}{% endfor %}",
        "{% set x = line.number %}{{ x }}",
        "{{ line }}",
        "plain text",
    ):
        assert compile_body(text, level="line").line_fields == (), text
    assert compile_body("{{ note_lines }}", level="case").line_fields == ()


def test_only_allowed_fields_of_a_typed_name_are_read_directly():
    from jinja2 import nodes

    from loagen.policy.rules.codegen import expression

    def read(attr, local=frozenset()):
        typed: set[str] = set()
        code = expression(nodes.Getattr(nodes.Name("line", "load"), attr, "load"), local, typed)
        return code, typed

    assert read("kind") == ("t_line.kind", {"line"})
    assert read("is_service") == ("t_line.is_service", {"line"})  # a property rules may read
    for attr in ("__class__", "model_dump", "nope"):  # (the checker refuses these first)
        assert read(attr) == (f"_ga(n['line'], {attr!r})", set())
    assert read("kind", frozenset({"line"})) == ("_ga(l_line, 'kind')", set())  # {% set line %}
    assert expression(nodes.Getattr(nodes.Name("line", "load"), "kind", "load")) == (
        "_ga(n['line'], 'kind')"  # a rule: no typed names
    )


# -- escaping of inserted case text -------------------------------------------------------------------


def test_escaping_keeps_plain_text_plain():
    assert escape_markdown("Harbor Motor Works, Inc.") == "Harbor Motor Works, Inc."
    assert escape_markdown("0.65%") == "0.65%"
    assert escape_markdown("*bold* [x](y)") == "\\*bold\\* \\[x\\](y)"
    assert escape_markdown("1. first\n\n- second") == "1\\. first - second"


def _escape_markdown_one_way(text: str) -> str:
    """escape_markdown as it was written first (every text through the whole of it)."""
    if "  " in text or not text.isprintable():
        text = re.sub(r"\s+", " ", text)
    text = text.translate(str.maketrans({ch: "\\" + ch for ch in "\\`*_[]<>&|~"}))
    m = re.match(r"^( ?)(?:([-+=#>])|(\d{1,9})([.)])(?= |$))", text)
    if m:
        lead, mark, digits, dot = m.groups()
        text = lead + (f"\\{mark}" if mark else f"{digits}\\{dot}") + text[m.end() :]
    return text


@settings(max_examples=3000, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(
            list("aZ09 .)-+=#>\\`*_[]<>&|~\t\n\r\x0b\x0c\x00\x1c\x1f\x7f\x80\xa0é\u2028\u3000")
        ),
        max_size=12,
    )
    | st.text(max_size=40)
)
def test_escaping_same_as_the_one_way(text):
    # the fast way for plain ASCII text gives what the whole of it gives, on any text
    assert escape_markdown(text) == _escape_markdown_one_way(text)


# -- no valid case makes a library rule raise -----------------------------------------------------------

TRAITS = ["nvd", "comsec", "mtcr", "gps_saasm", "ammunition", "classified", "eeum"]
KINDS = ["materiel", "services", "training", "medical", "manpower", "publications"]
TERMS = ["Cash Prior to Delivery", "FMS Credit (Non-Repayable)", "EDA Grant", "U.S. Government Grant",
         "Risk Assessed Payment Schedule", "Cash With Acceptance"]  # fmt: skip


@st.composite
def variants(draw):
    """An example case with drawn program, category, terms, traits and line kinds."""
    name = draw(
        st.sampled_from(["BN-D-QAA/basic", "BN-B-ZEA/basic", "BN-B-TAB/basic", "BN-P-WRS/basic"])
    )
    data = example(name)
    data["program"] = draw(st.sampled_from(["FMS", "BPC"]))
    data["category"] = draw(
        st.sampled_from(["defined_order", "blanket_order", "clssa_fmso_i", "clssa_fmso_ii"])
    )
    data["terms_of_sale"] = draw(
        st.lists(st.sampled_from(TERMS), min_size=1, max_size=3, unique=True)
    )
    data["document"]["case_closure"] = draw(st.booleans())
    if draw(st.booleans()):
        data["document"]["short_oed_reason"] = draw(
            st.text(min_size=1, max_size=30).filter(
                lambda t: case_text(t) and not is_placeholder(t)
            )
        )
    for line in data["lines"]:
        line["items"] = draw(st.lists(st.sampled_from(TRAITS), max_size=3, unique=True))
        if draw(st.booleans()):
            line["kind"] = draw(st.sampled_from(KINDS))
        if draw(st.booleans()):
            line.pop("training", None)
    return data


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=variants())
def test_library_rules_never_raise_on_a_valid_case(data):
    from loagen.policy.selection import select_notes

    library = _library()
    selection = select_notes(document(data), library)
    assert len(selection.decisions) == len(library)


_CACHE: dict[str, object] = {}


def _library():
    if "lib" not in _CACHE:
        _CACHE["lib"] = load_library(LIBRARY)
    return _CACHE["lib"]


# -- line sets worked out in C ------------------------------------------------------------------


def _lines_with_items() -> tuple:
    basic, amendment = amendment_chain()
    for line, items in zip(amendment["lines"], (["nvd"], ["comsec", "mtcr"], []), strict=False):
        line["items"] = items
    return basic, amendment


@pytest.mark.parametrize(
    "field",
    [
        "is_service", "is_nsr", "is_wwrs_seller", "sole_source", "eda", "line_note",
        "training__location", "training__blanket_order", "nonrecurring_cost__waiver",
        "nonrecurring_cost__waiver_requested", "eda__kind", "manpower__justification",
    ],
)  # fmt: skip
def test_true_or_false_conditions_keep_the_lines_their_matcher_keeps(field):
    from loagen.policy.rules.runtime import matcher, selector

    lines = document(*amendment_chain()).case.lines
    for key in (field, f"{field}__not"):
        for expected in (True, False):
            kept = list(selector(key, expected)(lines))
            assert kept == [ln for ln in lines if matcher(key, expected)(ln)]


def test_a_true_or_false_condition_splits_the_example_lines():
    """(so that the test above compares more than all lines or none)"""
    from loagen.policy.rules.runtime import selector

    lines = document(*amendment_chain()).case.lines
    assert 0 < len(list(selector("is_service", True)(lines))) < len(lines)
    assert 0 < len(list(selector("is_service__not", True)(lines))) < len(lines)
    # a field of a field: true on some lines, false or past a None on the others
    for key in ("nonrecurring_cost__waiver", "training__location"):
        assert 0 < len(list(selector(key, True)(lines))) < len(lines)
    assert len(list(selector("training__blanket_order", False)(lines))) == len(lines)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("source_code", ("P", "X")), ("kind", "training"), ("total__gt", 1000),
        ("kind__not", ("training", "services")), ("number", "002"), ("number__not", "002"),
        ("offer_release_code", None), ("offer_release_code__not", ("Z", None)),
        ("training__location", "CONUS"), ("training__location__not", "CONUS"),
        ("eda__kind", ("grant",)), ("items", "nvd"), ("items__not", ("comsec", "mtcr")),
        ("quantity__ge", 2), ("quantity__lt", 2.5), ("unit_cost__le", "1000.50"),
        ("manpower__travel_cost_per_day__gt", 3), ("months", "12-36"), ("major_defense_equipment", 1),
        ("quantity", 1), ("source_code", ((),)),
    ],
)  # fmt: skip
def test_other_conditions_keep_the_lines_their_matcher_keeps(key, expected):
    """Set look-ups in C for plain values, the order's own comparison for numbers, the matcher
    for the rest (lists of items, None in an order): the lines the matcher keeps, each time."""
    from loagen.policy.rules.runtime import matcher, selector

    for chain in (amendment_chain(), _lines_with_items(), (example("BN-B-ZEA/basic"),)):
        lines = document(*chain).case.lines
        assert list(selector(key, expected)(lines)) == [
            ln for ln in lines if matcher(key, expected)(ln)
        ]


@pytest.mark.parametrize("traits", [("nvd",), ("comsec", "nvd"), ("mtcr",), ("tow_2b",), ()])
def test_lines_with_item_names_the_lines_holding_any_trait(traits):
    doc = document(*_lines_with_items())
    expected = tuple(ln.number for ln in doc.case.lines if any(t in ln.items for t in traits))
    assert rule_names(doc)["lines_with_item"](*traits).numbers == expected
    assert rule_names(doc)["lines_with_item"](*traits).numbers == expected  # kept, the same


@pytest.mark.parametrize(
    "rule",
    [
        'lines_with(source_code="P") or lines_with(source_code=["P", "X"])',
        "lines_with(is_service=True) or lines_with(is_service=False) or lines",
        "lines_with(is_service=True) or is_fms",
        '(lines_with(kind="training") or lines) and lines_with(is_service=False)',
        # an `or` whose lines no later part replaces: decided for its truth, then its lines
        '(lines_with(kind="training") or is_fms) and is_fms',
        '(lines_with(kind="training") or lines_with(kind="materiel")) and (is_fms or is_bpc)',
        'is_fms and ((lines_with(kind="services") or lines) and (is_bpc or is_fms))',
        '(lines_with(kind="training") or lines) and (is_bpc or lines_with(kind="medical"))',
        '(is_fms or lines_with(kind="training")) and lines_with(kind="materiel")',
        '(lines_with(kind="training") or case.fund_source.program == "x") and is_fms',
        '(is_fms or case.fund_source.program == "x") and lines',
    ],
)
def test_decide_names_each_line_of_an_or_once_in_document_order(rule):
    from loagen.policy.rules import decide

    doc = document(*amendment_chain())
    names = rule_names(doc)
    decided = decide(compile_rule(rule), names)
    explained = evaluate(compile_rule(rule), names)
    assert (decided.value, decided.lines) == (explained.value, explained.lines)
    order = [ln.number for ln in doc.case.lines]
    assert list(decided.lines) == sorted(set(decided.lines), key=order.index)


def test_decide_raises_when_an_or_part_that_matters_fails():
    """(an `or` decided for its truth alone still decides its parts up to the first true one)"""
    from loagen.policy.rules import decide

    names = rule_names(document(*amendment_chain()))
    rule = compile_rule('(case.fund_source.program == "x" or is_fms) and is_fms')
    with pytest.raises(RuleError, match="rule failed on this case at case.fund_source.program"):
        decide(rule, names)


def test_the_lines_a_rule_names_are_in_document_order_deleted_lines_last():
    from loagen.policy.rules.compiler import _numbers

    names = rule_names(document(*amendment_chain()))
    lines = list(names["lines"])
    order = [ln.number for ln in lines]
    deleted = lines[0].model_copy(update={"number": "099"})  # (not a line of this document)
    assert _numbers([*reversed(lines), lines[0]], names) == tuple(order)
    assert _numbers([deleted, *reversed(lines)], names) == (*order, "099")
    assert _numbers([lines[-1], deleted, lines[0]], names) == (order[0], order[-1], "099")


# -- a rule or a text that cannot be worked out on a document, said in words -------------------------


@pytest.mark.parametrize(
    "rule, words",
    [
        ("costs.transportation / 0 > 1", "division by zero"),  # DivisionByZero or 0/0
        ("costs.transportation // 0 > 1", "division by zero"),
        ("lines[3].quantity > 1", "this document has no 4th line ([3]): it has 1 line"),
        ("case.lines[5].quantity > 1", "this document has no 6th line ([5]): it has 1 line"),
        (
            'case.fund_source.program == "x"',
            "cannot read .program: what it is read from is not given on this document",
        ),
    ],
)
def test_a_rule_that_fails_on_a_document_says_why_in_words(rule, words):
    with pytest.raises(RuleError) as info:
        run(rule, example("BN-D-TBO/basic"))  # a Basic of one line, with no transportation cost
    message = str(info.value)
    assert words in message
    assert "<class" not in message and "StrictUndefined" not in message and "jinja2" not in message


def test_a_note_text_that_cannot_be_filled_says_why_in_words():
    from jinja2.exceptions import UndefinedError

    from loagen.policy.rules import compile_body, failure_words
    from loagen.policy.rules.sandbox import LOOP_GUARD, loop_guard

    names = {**rule_names(document(example("BN-D-TBO/basic"))), LOOP_GUARD: loop_guard()}
    body = compile_body("{{ lines[3].quantity }} items", level="case")
    with pytest.raises(UndefinedError) as info:
        body.render(names)
    assert failure_words(info.value) == "this document has no 4th line ([3]): it has 1 line"
    with pytest.raises(ArithmeticError) as divided:
        compile_body("{{ lines[0].unit_cost / 0 }}", level="case").render(names)
    assert failure_words(divided.value) == "division by zero"
