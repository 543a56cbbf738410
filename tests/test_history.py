"""History: per-line changes between snapshots and the scope verdict."""

from __future__ import annotations

import pytest

from loagen.case.history import ANOTHER_ITEM, LONGER_PERIOD, compare
from loagen.case.loading import parse_case

from .conftest import example


def _cases(*docs):
    return [parse_case(d) for d in docs]


def test_amendment_changes_of_the_example() -> None:
    basic, amendment = _cases(example("BN-D-QAA/basic"), example("BN-D-QAA/amendment-1"))
    changes = compare(basic, amendment)
    assert changes.touched_numbers == ("002", "003", "006", "007")
    assert changes.for_line("007").added
    assert changes.for_line("002").value_up and changes.for_line("002").months_changed
    assert not changes.for_line("002").scope_change  # defined order: value is not scope
    assert changes.for_line("006").scope_reasons == (
        "a longer period of performance on a service line",
    )
    assert changes.scope_changed


def test_modification_of_the_example_is_in_scope() -> None:
    amendment, mod = _cases(example("BN-D-QAA/amendment-1"), example("BN-D-QAA/modification-1"))
    changes = compare(amendment, mod)
    assert changes.touched_numbers == ("002", "003")
    assert changes.for_line("003").value_down
    assert changes.for_line("002").months_changed and not changes.for_line("002").period_lengthened
    assert not changes.scope_changed


def test_each_kind_of_change() -> None:
    before = example("BN-D-QAA/basic")
    after = example("BN-D-QAA/basic")
    after["lines"][0]["quantity"] = 3
    after["lines"][3]["quantity"] = 0
    after["lines"][4]["offer_release_code"] = "Z"
    del after["lines"][5]
    changes = compare(*_cases(before, after))
    assert changes.for_line("001").quantity_up and changes.for_line("001").value_up
    assert changes.for_line("001").scope_reasons == ("more quantity on a defined order line",)
    assert changes.for_line("004").quantity_down and changes.for_line("004").value_down
    assert changes.for_line("005").other_fields == ("offer_release_code",)
    assert changes.for_line("002").other_fields == () and not changes.for_line("002").changed
    assert changes.for_line("006").deleted and not changes.for_line("006").scope_change
    assert changes.for_line("006").summary == ("deleted",)


def test_blanket_order_value_increase_is_scope() -> None:
    before = example("BN-P-WRS/basic")
    after = example("BN-P-WRS/basic")
    after["lines"][0]["unit_cost"] = 30000
    changes = compare(*_cases(before, after))
    assert changes.for_line("001").scope_reasons == ("more value on a blanket order line",)


def test_basic_has_no_previous() -> None:
    (basic,) = _cases(example("BN-B-ZEA/basic"))
    changes = compare(None, basic)
    assert not changes.has_previous and not changes.touched and not changes.scope_changed


def _amended(edit) -> tuple:
    """BN-D-QAA Amendment 1 and its Modification 1 with `edit(lines)` made to the latter's."""
    before, after = example("BN-D-QAA/amendment-1"), example("BN-D-QAA/modification-1")
    edit(after["lines"])
    return compare(*_cases(before, after))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("masl", "A1NVD0PVS140"),  # another MASL
        ("description", "NIGHT VISION GOGGLES AN/PVS-14"),  # another item named
        ("description", "SUPPORT EQUIPMENT AND SIMULATORS"),  # one more item named
        ("description", "SUPPORT EQUIPMENT & SIMULATORS"),
        ("description", "SUPPORT EQUIPMENT WITH SPARES"),
    ],
)
def test_a_line_that_buys_another_item_changes_scope(field: str, value: str) -> None:
    changes = _amended(lambda lines: lines[1].update({field: value}))
    line = changes.for_line("002")
    assert line.scope_reasons == (ANOTHER_ITEM,) and changes.scope_changed
    assert line.item_swaps[0][0] == field


@pytest.mark.parametrize(
    "description",
    [
        "Support Equipment",
        "EQUIPMENT, SUPPORT",
        "SUPPORT EQUIP",
        "SUPPORT EQUIPMENT, AIRCRAFT",  # the same item said more precisely, same MASL
    ],
)
def test_a_line_reworded_changes_no_scope(description: str) -> None:
    changes = _amended(lambda lines: lines[1].update(description=description))
    assert changes.for_line("002").other_fields == ("description",)
    assert not changes.for_line("002").item_swaps and not changes.scope_changed


def test_a_longer_written_period_of_performance_changes_scope() -> None:
    def lengthen(lines) -> None:
        lines[4]["training"]["performance_period"] = "2 years"  # was '18 months'

    line = _amended(lengthen).for_line("005")
    assert line.scope_reasons == (LONGER_PERIOD,)
    assert line.period_written_longer == (".training.performance_period", "18 months", "2 years")
    assert not line.period_lengthened  # its months are as they were
    shorter = _amended(lambda lines: lines[4]["training"].update(performance_period="1 year"))
    assert not shorter.scope_changed


def _period_change(before: str, after: str, category: str = "defined_order"):
    """Line 005 (training) of BN-D-QAA Amendment 1 and its Modification 1, its written period
    of performance `before` and `after` (its months as they were), in a case of `category`."""
    old, new = example("BN-D-QAA/amendment-1"), example("BN-D-QAA/modification-1")
    for data, period in ((old, before), (new, after)):
        data["category"] = category
        data["lines"][4]["training"]["performance_period"] = period
    return compare(*_cases(old, new)).for_line("005")


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("24 months", "2 years"),
        ("12 months", "1 year"),
        ("36 months", "3 years"),
        ("6 weeks", "1.5 months"),  # a rounding of the same length
        ("1 year", "52 weeks"),
        ("2 years", "730 days"),
    ],
)
def test_a_period_of_performance_reworded_is_no_longer(before: str, after: str) -> None:
    line = _period_change(before, after)
    assert line.period_written_longer is None and not line.scope_change
    assert _period_change(after, before).period_written_longer is None


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("24 months", "25 months"),
        ("1 year", "13 months"),
        ("6 weeks", "2 months"),
        ("3 weeks", "22 days"),
    ],
)
def test_a_period_of_performance_a_month_longer_is_longer(before: str, after: str) -> None:
    line = _period_change(before, after)
    assert line.scope_reasons == (LONGER_PERIOD,)
    assert line.period_written_longer == (".training.performance_period", before, after)


def test_a_longer_period_on_a_blanket_order_line_is_no_scope() -> None:
    """A blanket order line is a ceiling of value: its months may run longer at the same
    value (DSCA 24-08); only more value is scope on it."""
    before = example("BN-P-WRS/basic")
    after = example("BN-P-WRS/basic")
    after["lines"][0]["months"] = "1-72"
    after["lines"][0]["performance_period"] = "6 years"
    before["lines"][0]["performance_period"] = "5 years"
    line = compare(*_cases(before, after)).for_line("001")
    assert line.period_lengthened and line.period_written_longer is not None
    assert not line.scope_change
    after["lines"][0]["unit_cost"] += 1000
    line = compare(*_cases(before, after)).for_line("001")
    assert line.scope_reasons == ("more value on a blanket order line",)
