"""The repayment schedule, checked against figures worked out by hand.

Every expected amount below is written out (or shown as the Decimal arithmetic that gives it),
rounded half-up to the currency's minor unit, following the rules in ``bot.loans.schedule``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.loans.schedule import (
    InvalidTerms,
    Schedule,
    add_months,
    build_schedule,
    due_dates,
    periodic_rate,
)
from bot.loans.terms import (
    AmountKind,
    Charge,
    ChargeTiming,
    Frequency,
    InterestMethod,
    LoanTerms,
    RatePeriod,
    Savings,
)

D = Decimal


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def terms(**changes: object) -> LoanTerms:
    """A plain KES loan: 12,000.00 over 6 months, declining equal installments, 1% a month."""
    base = LoanTerms(
        principal=D("12000.00"),
        currency="KES",
        disbursement_date=dt.date(2026, 1, 1),
        first_due_date=None,
        frequency=Frequency.MONTHLY,
        installments=6,
        interest_method=InterestMethod.DECLINING_EQUAL_INSTALLMENT,
        rate=D(1),
        rate_period=RatePeriod.MONTH,
    )
    return dataclasses.replace(base, **changes)


def decimals(text: str) -> list[Decimal]:
    """Decimal amounts written one after another, separated by spaces."""
    return [Decimal(word) for word in text.split(" ")]


def column(schedule: Schedule, name: str) -> list[Decimal]:
    return [getattr(row, name) for row in schedule.rows]


def assert_principal_fully_repaid(schedule: Schedule) -> None:
    assert sum(column(schedule, "principal"), D(0)) == schedule.disbursement.principal
    assert schedule.rows[-1].balance == 0


# --- due dates ----------------------------------------------------------------------------


def test_month_end_is_clamped_and_does_not_drift() -> None:
    # Jan 31 + 1 month = Feb 28 (2027 is not a leap year); + 2 months is Mar 31 again, not Mar 28.
    t = terms(
        disbursement_date=dt.date(2027, 1, 1),
        first_due_date=dt.date(2027, 1, 31),
        installments=4,
    )
    assert due_dates(t) == [
        dt.date(2027, 1, 31),
        dt.date(2027, 2, 28),
        dt.date(2027, 3, 31),
        dt.date(2027, 4, 30),
    ]


def test_month_end_in_a_leap_year() -> None:
    t = terms(
        disbursement_date=dt.date(2028, 1, 2),
        first_due_date=dt.date(2028, 1, 31),
        installments=3,
    )
    assert due_dates(t) == [dt.date(2028, 1, 31), dt.date(2028, 2, 29), dt.date(2028, 3, 31)]


def test_add_months_across_the_year_end() -> None:
    assert add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2026, 12, 31), 2) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2026, 1, 15), 12) == dt.date(2027, 1, 15)


def test_without_a_first_due_date_the_first_is_one_period_after_disbursement() -> None:
    t = terms(disbursement_date=dt.date(2026, 1, 31), first_due_date=None, installments=3)
    assert due_dates(t) == [dt.date(2026, 2, 28), dt.date(2026, 3, 31), dt.date(2026, 4, 30)]


@pytest.mark.parametrize(
    ("frequency", "expected"),
    [
        (Frequency.DAILY, [dt.date(2026, 10, 7), dt.date(2026, 10, 8), dt.date(2026, 10, 9)]),
        (Frequency.WEEKLY, [dt.date(2026, 10, 13), dt.date(2026, 10, 20), dt.date(2026, 10, 27)]),
        # 14 days apart: Oct 6 + 14 = Oct 20, + 14 = Nov 3, + 14 = Nov 17
        (
            Frequency.FORTNIGHTLY,
            [dt.date(2026, 10, 20), dt.date(2026, 11, 3), dt.date(2026, 11, 17)],
        ),
        (Frequency.MONTHLY, [dt.date(2026, 11, 6), dt.date(2026, 12, 6), dt.date(2027, 1, 6)]),
        (Frequency.QUARTERLY, [dt.date(2027, 1, 6), dt.date(2027, 4, 6), dt.date(2027, 7, 6)]),
    ],
)
def test_spacing_from_disbursement(frequency: Frequency, expected: list[dt.date]) -> None:
    t = terms(
        disbursement_date=dt.date(2026, 10, 6),
        first_due_date=None,
        frequency=frequency,
        installments=3,
    )
    assert due_dates(t) == expected


def test_quarterly_from_a_month_end_first_due_date() -> None:
    t = terms(
        disbursement_date=dt.date(2026, 10, 1),
        first_due_date=dt.date(2026, 11, 30),
        frequency=Frequency.QUARTERLY,
        installments=4,
    )
    # Nov 30 + 3 months = Feb 28 (clamped), + 6 = May 30, + 9 = Aug 30 (anchored on Nov 30).
    assert due_dates(t) == [
        dt.date(2026, 11, 30),
        dt.date(2027, 2, 28),
        dt.date(2027, 5, 30),
        dt.date(2027, 8, 30),
    ]


# --- periodic rate ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "period", "frequency", "installments", "expected"),
    [
        # 4% a month paid weekly: 4% x 12 months = 48% a year, / 52 weeks
        (D(4), RatePeriod.MONTH, Frequency.WEEKLY, 6, D("0.48") / 52),
        # 24% a year paid monthly: 0.24 / 12
        (D(24), RatePeriod.YEAR, Frequency.MONTHLY, 6, D("0.02")),
        # 26% a year paid fortnightly: 0.26 / 26
        (D(26), RatePeriod.YEAR, Frequency.FORTNIGHTLY, 6, D("0.01")),
        # 3% a month paid monthly: unchanged
        (D(3), RatePeriod.MONTH, Frequency.MONTHLY, 6, D("0.03")),
        # 1% a week paid weekly: unchanged
        (D(1), RatePeriod.WEEK, Frequency.WEEKLY, 6, D("0.01")),
        # 1% a week paid monthly: 1% x 52 weeks / 12 months
        (D(1), RatePeriod.WEEK, Frequency.MONTHLY, 6, D("0.52") / 12),
        # 12% a year paid quarterly: 0.12 / 4
        (D(12), RatePeriod.YEAR, Frequency.QUARTERLY, 6, D("0.03")),
        # 36.5% a year paid daily: 0.365 / 365
        (D("36.5"), RatePeriod.YEAR, Frequency.DAILY, 6, D("0.001")),
        # 10% for the whole term over 5 installments: 0.10 / 5
        (D(10), RatePeriod.TERM, Frequency.WEEKLY, 5, D("0.02")),
    ],
)
def test_periodic_rate(
    rate: Decimal, period: RatePeriod, frequency: Frequency, installments: int, expected: Decimal
) -> None:
    t = terms(rate=rate, rate_period=period, frequency=frequency, installments=installments)
    assert periodic_rate(t) == expected


# --- the five demo loans ------------------------------------------------------------------


def test_l1001_declining_equal_installments(demo_terms: dict[str, LoanTerms]) -> None:
    s = build_schedule(demo_terms["L-1001"])
    # Periodic rate 24% / 12 = 0.02. Annuity 50000 x 0.02 / (1 - 1.02**-12) = 4727.9798...
    assert cents(D(50000) * D("0.02") / (1 - D("1.02") ** -12)) == D("4727.98")
    assert s.periodic_rate == D("0.02")
    # interest = balance x 0.02, rounded; principal = 4727.98 - interest
    #  1: 50000.00 x 0.02 = 1000.00 -> principal 3727.98, balance 46272.02
    #  2: 46272.02 x 0.02 =  925.4404 -> 925.44, principal 3802.54, balance 42469.48
    #  3: 42469.48 x 0.02 =  849.3896 -> 849.39, principal 3878.59, balance 38590.89
    #  ... the last pays the balance left: 4635.27 + 4635.27 x 0.02 (92.7054 -> 92.71)
    assert column(s, "interest") == decimals(
        "1000.00 925.44 849.39 771.82 692.69 611.99 529.67 445.70 360.06 272.70 183.59 92.71"
    )
    assert column(s, "principal") == decimals(
        "3727.98 3802.54 3878.59 3956.16 4035.29 4115.99 4198.31 4282.28 4367.92 4455.28 "
        "4544.39 4635.27"
    )
    assert [row.total for row in s.rows] == [D("4727.98")] * 12  # the last happens to match
    assert column(s, "balance")[:3] == [D("46272.02"), D("42469.48"), D("38590.89")]
    assert sum(column(s, "interest"), D(0)) == D("6735.76")
    assert_principal_fully_repaid(s)
    assert column(s, "due_date")[0] == dt.date(2026, 10, 1)
    assert column(s, "due_date")[-1] == dt.date(2027, 9, 1)
    # Fee 2% (1000.00) and insurance 1% (500.00) are both withheld from the 50,000.00.
    d = s.disbursement
    assert (d.deducted, d.insurance, d.upfront, d.financed) == (
        D("1500.00"),
        D("500.00"),
        D(0),
        D(0),
    )
    assert d.net_received == D("48500.00")  # 50000.00 - 1000.00 - 500.00


def test_l2001_flat_weekly(demo_terms: dict[str, LoanTerms]) -> None:
    s = build_schedule(demo_terms["L-2001"])
    # 4% a month = 48% a year, / 52 a week. Total interest 8000 x 0.48/52 x 16 = 1181.538...
    # rounded once to 1181.54; spread as 1181.54 / 16 = 73.84625 -> 73.85 for 1..15,
    # and the last absorbs the remainder: 1181.54 - 15 x 73.85 = 1181.54 - 1107.75 = 73.79.
    assert s.periodic_rate == D("0.48") / 52
    assert cents(D(8000) * D("0.48") / 52 * 16) == D("1181.54")
    assert column(s, "interest") == [D("73.85")] * 15 + [D("73.79")]
    assert sum(column(s, "interest"), D(0)) == D("1181.54")
    assert column(s, "principal") == [D("500.00")] * 16  # 8000 / 16
    assert [row.total for row in s.rows] == [D("573.85")] * 15 + [D("573.79")]
    assert_principal_fully_repaid(s)
    # weekly from Oct 13: installment 16 is 15 weeks later
    assert column(s, "due_date")[:3] == [
        dt.date(2026, 10, 13),
        dt.date(2026, 10, 20),
        dt.date(2026, 10, 27),
    ]
    assert column(s, "due_date")[-1] == dt.date(2027, 1, 26)
    assert s.disbursement.deducted == D("240.00")  # 3% of 8000
    assert s.disbursement.net_received == D("7760.00")


def test_l3001_equal_principal_with_savings(demo_terms: dict[str, LoanTerms]) -> None:
    s = build_schedule(demo_terms["L-3001"])
    # XOF has no minor unit. 18% / 12 = 1.5% a month; principal 300000 / 6 = 50000 each.
    # interest: 300000, 250000, 200000, 150000, 100000, 50000 x 0.015
    assert s.periodic_rate == D("0.015")
    assert column(s, "principal") == [D(50000)] * 6
    assert column(s, "interest") == [D(4500), D(3750), D(3000), D(2250), D(1500), D(750)]
    assert [row.total for row in s.rows] == [
        D(54500),
        D(53750),
        D(53000),
        D(52250),
        D(51500),
        D(50750),
    ]
    assert column(s, "balance") == [D(250000), D(200000), D(150000), D(100000), D(50000), D(0)]
    assert sum(column(s, "interest"), D(0)) == D(15750)
    assert_principal_fully_repaid(s)
    assert column(s, "due_date")[-1] == dt.date(2027, 2, 15)
    d = s.disbursement
    assert d.upfront == D(10000)
    assert d.savings_deposit == D(30000)  # 10% of 300000
    assert d.net_received == D(260000)  # 300000 - 10000 fee - 30000 savings
    assert s.savings_returned == D(30000)  # no interest on savings


def test_l4001_fortnightly(demo_terms: dict[str, LoanTerms]) -> None:
    s = build_schedule(demo_terms["L-4001"])
    # 26% / 26 fortnights = 1% a fortnight. Annuity 30000 x 0.01 / (1 - 1.01**-24) = 1412.204...
    assert s.periodic_rate == D("0.01")
    assert cents(D(30000) * D("0.01") / (1 - D("1.01") ** -24)) == D("1412.20")
    #  1: 30000.00 x 0.01 = 300.00   -> principal 1112.20, balance 28887.80
    #  2: 28887.80 x 0.01 = 288.878  -> 288.88, principal 1123.32, balance 27764.48
    #  5: 25484.02 x 0.01 = 254.8402 -> 254.84, principal 1157.36, balance 24326.66
    # 10: 19580.33 x 0.01 = 195.8033 -> 195.80, principal 1216.40, balance 18363.93
    # 24: balance 1398.32 + 1398.32 x 0.01 (13.9832 -> 13.98) = 1412.30
    rows = s.rows
    assert (rows[0].interest, rows[0].principal, rows[0].balance) == (
        D("300.00"),
        D("1112.20"),
        D("28887.80"),
    )
    assert (rows[1].interest, rows[1].principal, rows[1].balance) == (
        D("288.88"),
        D("1123.32"),
        D("27764.48"),
    )
    assert (rows[4].interest, rows[4].balance) == (D("254.84"), D("24326.66"))
    assert (rows[9].interest, rows[9].balance) == (D("195.80"), D("18363.93"))
    assert (rows[10].interest, rows[10].principal) == (D("183.64"), D("1228.56"))
    assert (rows[23].principal, rows[23].interest, rows[23].total) == (
        D("1398.32"),
        D("13.98"),
        D("1412.30"),
    )
    assert [row.total for row in rows[:23]] == [D("1412.20")] * 23
    # 23 x 1412.20 + 1412.30 - 30000 = 32480.60 + 1412.30 - 30000
    assert sum(column(s, "interest"), D(0)) == D("3892.90")
    assert_principal_fully_repaid(s)
    # every 14 days from Jul 15: installment 5 Sep 9, 10 Nov 18, 11 Dec 2, 24 (322 days) Jun 2
    dates = column(s, "due_date")
    assert (dates[4], dates[9], dates[10], dates[23]) == (
        dt.date(2026, 9, 9),
        dt.date(2026, 11, 18),
        dt.date(2026, 12, 2),
        dt.date(2027, 6, 2),
    )
    assert s.disbursement.upfront == D("354.00")
    assert s.disbursement.net_received == D("29646.00")  # 30000.00 - 354.00


def test_l5001_flat_monthly(demo_terms: dict[str, LoanTerms]) -> None:
    s = build_schedule(demo_terms["L-5001"])
    # 1,000,000 x 0.03 x 10 = 300,000 interest, 30,000 a month; principal 100,000 a month.
    assert column(s, "interest") == [D(30000)] * 10
    assert column(s, "principal") == [D(100000)] * 10
    assert [row.total for row in s.rows] == [D(130000)] * 10
    assert sum(column(s, "interest"), D(0)) == D(300000)
    assert_principal_fully_repaid(s)
    assert column(s, "due_date")[4] == dt.date(2026, 11, 20)
    assert column(s, "due_date")[-1] == dt.date(2027, 4, 20)
    assert s.disbursement.upfront == D(20000)  # 2% of 1,000,000
    assert s.disbursement.net_received == D(980000)


def test_l5002_flat_without_fee(demo_terms: dict[str, LoanTerms]) -> None:
    s = build_schedule(demo_terms["L-5002"])
    # 200,000 x 0.025 x 4 = 20,000 interest, 5,000 a month; principal 50,000 a month.
    assert column(s, "interest") == [D(5000)] * 4
    assert [row.total for row in s.rows] == [D(55000)] * 4
    assert sum(column(s, "interest"), D(0)) == D(20000)
    assert_principal_fully_repaid(s)
    assert column(s, "due_date") == [
        dt.date(2026, 11, 10),
        dt.date(2026, 12, 10),
        dt.date(2027, 1, 10),
        dt.date(2027, 2, 10),
    ]
    assert s.disbursement.net_received == D(200000)


# --- rounding remainders, grace periods, charges ------------------------------------------


def test_flat_interest_is_rounded_once_and_the_last_absorbs_the_remainder() -> None:
    t = terms(
        principal=D("1000.00"),
        interest_method=InterestMethod.FLAT,
        installments=3,
        rate=D(1),
        rate_period=RatePeriod.MONTH,
    )
    s = build_schedule(t)
    # interest 1000 x 0.01 x 3 = 30.00, 10.00 each; principal 1000 / 3 = 333.33, last 333.34
    assert column(s, "interest") == [D("10.00")] * 3
    assert column(s, "principal") == [D("333.33"), D("333.33"), D("333.34")]
    assert_principal_fully_repaid(s)


def test_flat_parts_never_overshoot_what_is_left() -> None:
    # XOF 100 over 6 at 9% for the term: interest 100 x 0.09 = 9, and 9 / 6 = 1.5 -> 2 a month;
    # 2+2+2+2 = 8 leaves 1 for the fifth and 0 for the last (never a negative part).
    # principal 100 / 6 = 16.67 -> 17 a month; 5 x 17 = 85 leaves 15 for the last.
    t = terms(
        principal=D(100),
        currency="XOF",
        interest_method=InterestMethod.FLAT,
        rate=D(9),
        rate_period=RatePeriod.TERM,
    )
    s = build_schedule(t)
    assert column(s, "interest") == [D(2), D(2), D(2), D(2), D(1), D(0)]
    assert column(s, "principal") == [D(17)] * 5 + [D(15)]
    # XOF 4 over 6: 4 / 6 = 0.67 -> 1, so 1,1,1,1 and nothing left for the last two.
    s = build_schedule(dataclasses.replace(t, principal=D(4)))
    assert column(s, "principal") == [D(1)] * 4 + [D(0)] * 2
    assert min(column(s, "balance")) == 0
    assert_principal_fully_repaid(s)


def test_equal_principal_remainder_goes_to_the_last() -> None:
    t = terms(principal=D("1000.00"), interest_method=InterestMethod.DECLINING_EQUAL_PRINCIPAL)
    s = build_schedule(t)
    # 1000 / 6 = 166.666... -> 166.67 for 1..5, the last 1000 - 5 x 166.67 = 166.65
    assert column(s, "principal") == [D("166.67")] * 5 + [D("166.65")]
    # interest 1% of 1000.00, 833.33, 666.66, 499.99, 333.32, 166.65
    assert column(s, "interest") == [
        D("10.00"),
        D("8.33"),
        D("6.67"),
        D("5.00"),
        D("3.33"),
        D("1.67"),
    ]
    assert_principal_fully_repaid(s)


def test_declining_grace_periods_pay_interest_only() -> None:
    s = build_schedule(terms(grace_periods=2))
    # 2 interest-only months at 12000 x 0.01 = 120.00, then an annuity over the 4 others:
    # 12000 x 0.01 / (1 - 1.01**-4) = 3075.373... -> 3075.37
    assert cents(D(12000) * D("0.01") / (1 - D("1.01") ** -4)) == D("3075.37")
    assert column(s, "principal") == [
        D(0),
        D(0),
        D("2955.37"),  # 3075.37 - 120.00
        D("2984.92"),  # 3075.37 - 9044.63 x 0.01 (90.4463 -> 90.45)
        D("3014.77"),  # 3075.37 - 6059.71 x 0.01 (60.5971 -> 60.60)
        D("3044.94"),  # what is left; interest 30.4494 -> 30.45
    ]
    assert column(s, "interest") == [
        D("120.00"),
        D("120.00"),
        D("120.00"),
        D("90.45"),
        D("60.60"),
        D("30.45"),
    ]
    assert column(s, "balance")[:2] == [D("12000.00"), D("12000.00")]
    assert s.rows[-1].total == D("3075.39")
    assert_principal_fully_repaid(s)


def test_flat_grace_periods_pay_interest_only() -> None:
    s = build_schedule(terms(interest_method=InterestMethod.FLAT, grace_periods=2))
    # interest 12000 x 0.01 x 6 = 720.00, 120.00 each; principal 12000 / 4 = 3000.00 from month 3
    assert column(s, "interest") == [D("120.00")] * 6
    assert column(s, "principal") == [D(0), D(0)] + [D("3000.00")] * 4
    assert_principal_fully_repaid(s)


def test_financed_per_installment_charges_tax_and_savings() -> None:
    t = terms(
        principal=D("1200.00"),
        interest_method=InterestMethod.FLAT,
        installments=3,
        charges=(
            # 1% of 1200 = 12.00, added to the principal
            Charge("insurance", AmountKind.PERCENT_OF_PRINCIPAL, D(1), ChargeTiming.FINANCED),
            # 10.00 a month + 16% tax 1.60
            Charge(
                "service", AmountKind.FIXED, D(10), ChargeTiming.PER_INSTALLMENT, tax_percent=D(16)
            ),
        ),
        interest_tax_percent=D(16),
        savings=Savings(per_installment=D(5)),
    )
    s = build_schedule(t)
    assert s.disbursement.principal == D("1212.00")
    assert s.disbursement.net_received == D("1200.00")
    # interest 1212 x 0.01 x 3 = 36.36, 12.12 each; tax 16% of 12.12 = 1.9392 -> 1.94
    # principal 1212 / 3 = 404.00
    for row in s.rows:
        assert (row.principal, row.interest, row.fees, row.tax, row.savings) == (
            D("404.00"),
            D("12.12"),
            D("11.60"),
            D("1.94"),
            D("5.00"),
        )
        assert row.total == D("434.66")  # 404.00 + 12.12 + 11.60 + 1.94 + 5.00
    assert s.savings_returned == D("15.00")
    assert_principal_fully_repaid(s)


def test_zero_rate_declining() -> None:
    s = build_schedule(terms(rate=D(0), principal=D("100.00"), installments=3))
    # 100 / 3 = 33.33 a month, the last 33.34; no interest
    assert column(s, "principal") == [D("33.33"), D("33.33"), D("33.34")]
    assert column(s, "interest") == [D("0.00")] * 3


# --- invalid terms ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"principal": D("-1.00")}, "principal"),
        ({"principal": D(0)}, "principal"),
        ({"installments": 0}, "installments"),
        ({"currency": "XYZ"}, "currency"),
        ({"currency": "kes"}, "currency"),
        ({"rate": D(-1)}, "rate"),
        ({"grace_periods": 6}, "grace_periods"),
        ({"grace_periods": -1}, "grace_periods"),
        ({"first_due_date": dt.date(2026, 1, 1)}, "first_due_date"),  # same day as disbursed
        ({"first_due_date": dt.date(2025, 12, 31)}, "first_due_date"),
    ],
)
def test_invalid_terms_name_the_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidTerms) as excinfo:
        build_schedule(terms(**changes))
    assert excinfo.value.field == field


# --- properties over random valid terms ---------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_schedule_properties(
    valid_terms: st.SearchStrategy[LoanTerms], data: st.DataObject
) -> None:
    t = data.draw(valid_terms)
    s = build_schedule(t)
    assert len(s.rows) == t.installments
    assert_principal_fully_repaid(s)
    assert all(row.balance >= 0 for row in s.rows)
    assert all(row.principal >= 0 and row.interest >= 0 for row in s.rows)
    assert all(a.due_date < b.due_date for a, b in zip(s.rows, s.rows[1:], strict=False))
    assert all(row.principal == 0 for row in s.rows[: t.grace_periods])
    parts = ("principal", "interest", "fees", "tax", "savings")
    assert sum((row.total for row in s.rows), D(0)) == sum(
        (sum(column(s, part), D(0)) for part in parts), D(0)
    )


@pytest.mark.parametrize("method", list(InterestMethod))
def test_installments_rounded_up_to_a_multiple(demo_terms, method) -> None:
    terms = dataclasses.replace(
        demo_terms["L-1001"], interest_method=method, installment_multiple=Decimal(50)
    )
    rows = build_schedule(terms).rows
    # Every installment but the last is a multiple of 50; the last is the smaller remainder,
    # and the principal parts still add up to the principal exactly.
    assert all((r.principal + r.interest) % 50 == 0 for r in rows[:-1])
    assert rows[-1].principal + rows[-1].interest <= rows[0].principal + rows[0].interest
    assert sum(r.principal for r in rows) == terms.principal
    assert rows[-1].balance == 0
    if method is InterestMethod.DECLINING_EQUAL_INSTALLMENT:
        # The 4,727.98 annuity rounded up to 4,750.00.
        assert rows[0].principal + rows[0].interest == Decimal("4750.00")
