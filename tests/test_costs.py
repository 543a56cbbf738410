"""Costs: surcharge by dated rate table, the cost summary, the payment schedule."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from loagen.case.loading import parse_case
from loagen.document.assembly import base_date, latest_offer_expiration
from loagen.document.costs import cost_summary, due_date, rate_on
from loagen.reference import load_reference

from .conftest import example


def _costs(*docs):
    chain = tuple(parse_case(d) for d in docs)
    return cost_summary(
        chain, base_date=base_date(chain), latest_oed=latest_offer_expiration(chain)
    )


def test_rate_table_by_date() -> None:
    ref = load_reference()
    assert rate_on(date(2018, 5, 31), ref) == Decimal("0.035")
    assert rate_on(date(2018, 6, 1), ref) == Decimal("0.032")
    assert rate_on(date(2010, 1, 1), ref) == Decimal("0.038")


def test_summary_adds_up() -> None:
    c = _costs(example("BN-D-QAA/basic"))
    assert c.net_estimated_cost == Decimal(188300000)
    assert c.administrative_charge == Decimal(188300000) * Decimal("0.032")
    assert c.total_estimated_cost == (
        c.net_estimated_cost + c.packing_crating_handling + c.administrative_charge
        + c.transportation + c.other
    )  # fmt: skip


def test_lines_keep_the_rate_they_were_written_at() -> None:
    basic = example("BN-D-QAA/basic")
    basic["document"]["offer_expiration_date"] = "2018-01-31"
    amendment = example("BN-D-QAA/amendment-1")
    amendment["document"]["implementation_date"] = "2018-03-01"
    c = _costs(basic, amendment)
    assert c.line("001").surcharge_rate == Decimal("0.035")  # Basic implemented before June 2018
    assert c.line("007").surcharge_rate == Decimal("0.032")  # added by the 2026 Amendment


def test_bpc_carries_no_surcharge_from_october_2020() -> None:
    c = _costs(example("BN-B-TAB/basic"))
    assert c.administrative_charge == 0
    assert "BPC" in c.surcharge_exemption
    early = example("BN-B-TAB/basic")
    early["document"]["offer_expiration_date"] = "2019-04-14"
    assert _costs(early).administrative_charge > 0


def test_clssa_fmso_i() -> None:
    data = example("BN-P-WRS/basic")
    data.update(category="clssa_fmso_i", terms_of_sale=["Cash With Acceptance-Balance as Billed"])
    data["lines"][0].update(
        masl="CLSSAFMSOI", kind="materiel", type_of_assistance="U", source_code="P"
    )
    c = _costs(data)
    assert c.administrative_charge == 0
    assert c.clssa_surcharge == Decimal(1250)
    assert c.initial_deposit == Decimal(7500) + Decimal(1250)


def test_standard_schedule_sums_to_total_on_quarterly_dates() -> None:
    for docs in (
        ["BN-D-QAA/basic"],
        ["BN-B-ZEA/basic"],
        ["BN-D-QAA/basic", "BN-D-QAA/amendment-1"],
    ):
        c = _costs(*(example(d) for d in docs))
        assert c.schedule_source == "computed"
        assert c.schedule_total == c.total_estimated_cost
        assert c.schedule[0].label == "Initial Deposit"
        assert c.initial_deposit >= c.administrative_charge
        for row in c.schedule[1:]:
            assert row.date.day == 15 and row.date.month in (3, 6, 9, 12)
        dates = [r.date for r in c.schedule]
        assert dates == sorted(dates)


def test_unwaived_nonrecurring_cost_is_in_the_initial_deposit() -> None:
    data = example("BN-D-QAA/basic")
    waived = _costs(data).initial_deposit
    data["lines"][0]["nonrecurring_cost"].pop("waiver")
    assert _costs(data).initial_deposit == waived + Decimal(1350000)


def test_no_schedule_where_none_is_required() -> None:
    c = _costs(example("BN-P-WRS/basic"))
    assert c.schedule == () and c.schedule_source == "none"
    assert c.initial_deposit == c.total_estimated_cost
    assert "Cash With Acceptance" in c.schedule_reason


def test_given_schedule_is_printed_as_given() -> None:
    data = example("BN-B-ZEA/basic")
    data["payment_schedule"] = [
        {"date": "2025-11-03", "amount": 1000000},
        {"date": "2026-03-15", "amount": 5125680},
    ]
    c = _costs(data)
    assert c.schedule_source == "case"
    assert [r.amount for r in c.schedule] == [Decimal(1000000), Decimal(5125680)]
    assert c.schedule_total == c.total_estimated_cost


def test_due_dates_follow_the_billing_table() -> None:
    assert due_date(date(2026, 4, 1)) == date(2026, 3, 15)
    assert due_date(date(2026, 9, 1)) == date(2026, 6, 15)
    assert due_date(date(2026, 12, 1)) == date(2026, 9, 15)
    assert due_date(date(2027, 2, 1)) == date(2026, 12, 15)


def test_nato_awacs_surcharge_is_waived() -> None:
    data = example("BN-D-QAA/basic")
    data["case_id"] = "N1-D-QAA"
    c = _costs(data)
    assert c.administrative_charge == 0
    assert "NATO AWACS" in c.surcharge_exemption


# -- any case: the schedule adds up to the total, cents included ------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_LINE_KINDS = st.tuples(
    st.decimals(min_value="0", max_value="250000000", places=2),  # unit cost, with cents
    st.integers(min_value=1, max_value=40),  # quantity
    st.integers(min_value=1, max_value=60),  # first month
    st.integers(min_value=0, max_value=60),  # months more
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.lists(_LINE_KINDS, min_size=1, max_size=12),
    pch=st.decimals(min_value="0", max_value="5000000", places=2),
    transport=st.decimals(min_value="0", max_value="5000000", places=2),
)
def test_a_computed_schedule_always_adds_up_to_the_total(lines, pch, transport) -> None:
    data = example("BN-D-QAA/basic")
    template = data["lines"][3]  # a stock line without sole source or nonrecurring cost
    data["lines"] = [
        {**template, "number": f"{i + 1:03d}", "unit_cost": float(cost) if cost % 1 else int(cost),
         "quantity": quantity, "months": f"{first}-{first + more}"}
        for i, (cost, quantity, first, more) in enumerate(lines)
    ]  # fmt: skip
    data["accessorial"] = {
        "packing_crating_handling": float(pch), "transportation": float(transport), "other": 0,
    }  # fmt: skip
    c = _costs(data)
    assert c.schedule_source == "computed"
    assert c.schedule_total == c.total_estimated_cost  # to the cent
    assert all(row.amount >= 0 for row in c.schedule)
    cumulative = [row.cumulative for row in c.schedule]
    assert cumulative == sorted(cumulative) and cumulative[-1] == c.total_estimated_cost
