"""Rates from cash flows: Regulation Z Appendix J, published flat-rate and amortization
examples, spreadsheet XIRR, the cases with no rate, and properties of the solver.

Sources
- Regulation Z (12 CFR 1026) Appendix J, https://www.consumerfinance.gov/rules-policy/regulations/1026/j/
  (also http://www.fdic.gov/regulations/laws/rules/6500-3550.html). Paragraphs (a) and
  (b)(1)-(b)(4) were read from those pages. The wording of (b)(5) and the figures of the (c)
  examples below were read as quoted and transcribed in simontreanor/FSharp.Finance.Personal
  (src/Apr.fs, tests/AprUsActuarialTests.fs), which cites the consumerfinance.gov page: the
  stored copies of the regulation pages stop before paragraph (c).
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.loans.rates import (
    PERIODS_PER_YEAR,
    Flow,
    NoRateError,
    Rates,
    appendix_j_rate,
    explain,
    periodic_irr,
    rates_for_dates,
    rates_for_periods,
    unit_periods,
    xirr,
)

D = Decimal
TWO_PLACES = Decimal("0.01")


def _monthly(first: dt.date, count: int, step: int = 1) -> list[dt.date]:
    dates = []
    for k in range(count):
        year, month = divmod(first.year * 12 + first.month - 1 + k * step, 12)
        dates.append(dt.date(year, month + 1, first.day))
    return dates


def _every(first: dt.date, days: int, count: int) -> list[dt.date]:
    return [first + dt.timedelta(days=days * k) for k in range(count)]


def _loan(advance: str, on: dt.date, payments: list[tuple[dt.date, str]]) -> list[Flow]:
    return [Flow(D(advance), date=on)] + [Flow(-D(amount), date=day) for day, amount in payments]


def _annuity_payment(principal: Decimal, rate: Decimal, count: int) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 40
        if rate == 0:
            return principal / count
        return principal * rate / (1 - (1 + rate) ** -count)


def _periods(amounts: list[Decimal]) -> list[Flow]:
    return [Flow(amount, period=D(k)) for k, amount in enumerate(amounts)]


# --- Regulation Z Appendix J ------------------------------------------------------------------

_SEMIMONTHLY = [
    d for first in _monthly(dt.date(1978, 3, 1), 12) for d in (first, first.replace(day=16))
]

APPENDIX_J_EXAMPLES = {
    # (c)(1)(i) Monthly payments (regular first period): 5,000 advanced 1-10-78; 24 payments
    # of 230 from 2-10-78. Stated APR 9.69%.
    "(c)(1)(i)": (
        _loan(
            "5000", dt.date(1978, 1, 10), [(d, "230") for d in _monthly(dt.date(1978, 2, 10), 24)]
        ),
        "month",
        "9.69",
    ),
    # (c)(1)(ii) Monthly payments (long first period): 6,000 advanced 2-10-78; 36 payments of
    # 200 from 4-1-78. Stated APR 11.82%.
    "(c)(1)(ii)": (
        _loan(
            "6000", dt.date(1978, 2, 10), [(d, "200") for d in _monthly(dt.date(1978, 4, 1), 36)]
        ),
        "month",
        "11.82",
    ),
    # (c)(1)(iii) Semimonthly payments (short first period): 5,000 advanced 2-23-78; 24
    # payments of 219.17 on the 1st and 16th from 3-1-78. Stated APR 10.34%.
    "(c)(1)(iii)": (
        _loan("5000", dt.date(1978, 2, 23), [(d, "219.17") for d in _SEMIMONTHLY]),
        "semimonth",
        "10.34",
    ),
    # (c)(1)(iv) Quarterly payments (long first period): 10,000 advanced 5-23-78; 40 payments
    # of 385 every 3 months from 10-1-78. Stated APR 8.97%.
    "(c)(1)(iv)": (
        _loan(
            "10000",
            dt.date(1978, 5, 23),
            [(d, "385") for d in _monthly(dt.date(1978, 10, 1), 40, 3)],
        ),
        "quarter",
        "8.97",
    ),
    # (c)(1)(v) Weekly payments (long first period): 500 advanced 3-20-78; 30 payments of 17.60
    # weekly from 4-21-78. Stated APR 14.96%.
    "(c)(1)(v)": (
        _loan(
            "500", dt.date(1978, 3, 20), [(d, "17.60") for d in _every(dt.date(1978, 4, 21), 7, 30)]
        ),
        "week",
        "14.96",
    ),
    # (c)(2)(i) Monthly payments (regular first period and irregular first payment): 5,000
    # advanced 1-10-78; 250 on 2-10-78, then 23 payments of 230 from 3-10-78. Stated 10.08%.
    "(c)(2)(i)": (
        _loan(
            "5000",
            dt.date(1978, 1, 10),
            [(dt.date(1978, 2, 10), "250")]
            + [(d, "230") for d in _monthly(dt.date(1978, 3, 10), 23)],
        ),
        "month",
        "10.08",
    ),
    # (c)(3)(i) Monthly payments (regular first period and irregular final payment): 5,000
    # advanced 1-10-78; 23 payments of 230 from 2-10-78, then 280 on 1-10-80. Stated 10.50%.
    "(c)(3)(i)": (
        _loan(
            "5000",
            dt.date(1978, 1, 10),
            [(d, "230") for d in _monthly(dt.date(1978, 2, 10), 23)]
            + [(dt.date(1980, 1, 10), "280")],
        ),
        "month",
        "10.50",
    ),
    # (c)(3)(ii) Payments every 2 weeks (short first period and irregular final payment): 200
    # advanced 4-3-78; 19 payments of 9.50 from 4-11-78, then 30 two weeks after the 19th.
    # Stated APR 12.22%.
    "(c)(3)(ii)": (
        _loan(
            "200",
            dt.date(1978, 4, 3),
            [(d, "9.50") for d in _every(dt.date(1978, 4, 11), 14, 19)]
            + [(dt.date(1978, 4, 11) + dt.timedelta(days=14 * 19), "30")],
        ),
        "fortnight",
        "12.22",
    ),
    # (c)(4)(i) Monthly payments (regular first period, irregular first payment, irregular final
    # payment): 5,000 advanced 1-10-78; 250 on 2-10-78, 22 payments of 230 from 3-10-78, 280 on
    # 1-10-80. Stated APR 10.90%.
    "(c)(4)(i)": (
        _loan(
            "5000",
            dt.date(1978, 1, 10),
            [(dt.date(1978, 2, 10), "250")]
            + [(d, "230") for d in _monthly(dt.date(1978, 3, 10), 22)]
            + [(dt.date(1980, 1, 10), "280")],
        ),
        "month",
        "10.90",
    ),
}


@pytest.mark.parametrize("name", list(APPENDIX_J_EXAMPLES))
def test_appendix_j_examples(name: str) -> None:
    """Regulation Z Appendix J (c), each example's stated APR to its two decimals.

    https://www.consumerfinance.gov/rules-policy/regulations/1026/j/ paragraph (c)(1)-(c)(4)
    (figures as in the comments of APPENDIX_J_EXAMPLES). (c)(1)(ii)-(v) and (c)(3)(ii) have
    odd (long or short) first periods.
    """
    flows, unit, stated = APPENDIX_J_EXAMPLES[name]
    rates = rates_for_dates(flows, unit)
    assert rates.apr_percent.quantize(TWO_PLACES) == D(stated)
    assert rates.unit_period == unit
    assert rates.periods_per_year == PERIODS_PER_YEAR[unit]


def test_appendix_j_single_advance_single_payment() -> None:
    """Appendix J (c)(5)(i): 1,000 advanced 1-3-78, 1,080 repaid 9-15-78 (255 days); one
    unit-period, 365/255 unit-periods a year ((b)(5)(vii)). Stated APR 11.45%."""
    days = (dt.date(1978, 9, 15) - dt.date(1978, 1, 3)).days
    assert days == 255
    flows = _periods([D(1000), D(-1080)])
    rates = rates_for_periods(flows, D(365) / D(days))
    assert rates.apr_percent.quantize(TWO_PLACES) == D("11.45")


@pytest.mark.parametrize(
    ("start", "end", "unit", "expected"),
    [
        # (c)(1)(ii): 2-10-78 to the first payment 4-1-78 is 1 month and 19 days.
        (dt.date(1978, 2, 10), dt.date(1978, 4, 1), "month", (1, Fraction(19, 30))),
        # (c)(1)(iii): 2-23-78 to 3-1-78 is 6 days of a 15-day semimonth.
        (dt.date(1978, 2, 23), dt.date(1978, 3, 1), "semimonth", (0, Fraction(6, 15))),
        (dt.date(1978, 2, 23), dt.date(1978, 3, 16), "semimonth", (1, Fraction(6, 15))),
        # (c)(1)(iv): 5-23-78 to 10-1-78 is 4 months and 9 days = 129 days: 1 quarter and 39/90.
        (dt.date(1978, 5, 23), dt.date(1978, 10, 1), "quarter", (1, Fraction(39, 90))),
        # (c)(1)(v): 3-20-78 to 4-21-78 is 32 days: 4 weeks and 4 days.
        (dt.date(1978, 3, 20), dt.date(1978, 4, 21), "week", (4, Fraction(4, 7))),
        # (c)(3)(ii): 4-3-78 to 4-11-78 is 8 days of a 14-day unit-period.
        (dt.date(1978, 4, 3), dt.date(1978, 4, 11), "fortnight", (0, Fraction(8, 14))),
        (dt.date(2026, 1, 1), dt.date(2026, 1, 31), "day", (30, Fraction(0))),
        (dt.date(2026, 1, 15), dt.date(2026, 8, 20), "half_year", (1, Fraction(35, 180))),
        # (b)(5)(v): whole years back from the later date, then months / 12 or days / 365.
        (dt.date(2026, 1, 15), dt.date(2028, 4, 15), "year", (2, Fraction(3, 12))),
        (dt.date(2026, 1, 15), dt.date(2028, 4, 20), "year", (2, Fraction(95, 365))),
    ],
)
def test_unit_periods(start: dt.date, end: dt.date, unit: str, expected: tuple) -> None:
    """Appendix J (b)(5): full unit-periods measured back from the later date, the rest as a
    fraction (30 days a month, 15 a semimonth, 90 a quarter, 7 a week, 14 two weeks, 365 a
    year), checked on the first periods of the (c) examples."""
    assert unit_periods(start, end, unit) == expected


def test_months_on_the_29th_30th_and_month_end() -> None:
    """Appendix J (b)(3)(iv), https://frrsdigital.com/topic-by-locator/6-1017: "If a series of
    payments (or advances) is scheduled for the last day of each month, months shall be measured
    from the last day of the given month to the last day of another month. If payments (or
    advances) are scheduled for the 29th or 30th of each month, the last day of February shall be
    used when applicable." """
    feb = dt.date(2026, 2, 28)
    assert unit_periods(dt.date(2026, 1, 31), feb, "month", day_of_month=31) == (1, 0)
    assert unit_periods(dt.date(2026, 1, 30), feb, "month", day_of_month=30) == (1, 0)
    assert unit_periods(dt.date(2026, 1, 30), feb, "month") == (0, Fraction(29, 30))
    assert unit_periods(dt.date(2026, 1, 31), dt.date(2026, 3, 31), "month") == (2, 0)
    assert unit_periods(dt.date(2026, 1, 31), dt.date(2026, 4, 30), "month", day_of_month=31) == (
        3,
        0,
    )


@pytest.mark.parametrize("day", [31, 30])
def test_month_end_and_30th_series_are_whole_months(day: int) -> None:
    """A series on month-ends (or on the 30th, February on its last day) is found from the
    dates and counted in whole months per (b)(3)(iv): its rate is the periodic IRR of 1, 2, 3...
    periods. Without that rule the February payment would be short of a month."""
    dates = []
    for month in range(1, 14):
        year, index = divmod(2025 * 12 + month, 12)
        dates.append(dt.date(year, index + 1, min(day, calendar.monthrange(year, index + 1)[1])))
    flows = _loan("1000", dates[0], [(d, "90") for d in dates[1:]])
    assert dt.date(2026, 2, 28) in dates
    by_period = periodic_irr(_periods([D(1000)] + [D(-90)] * 12))
    assert appendix_j_rate(flows, "month") == pytest.approx(by_period, abs=1e-12)


# --- microfinance flat rates and amortization tables ------------------------------------------


def test_flat_rate_car_loan() -> None:
    """Flat interest rate example, https://www.scribd.com/document/571065918/Flat-Interest-Rate
    ("Flat Interest Rate", example 1): a loan of 8,640 repaid by 48 monthly payments of 200 is
    a 2.778% flat rate; "i = RATE(48,-200,8640) = 0.4385% per month, APR = 12 x 0.4385% =
    5.262%"."""
    rates = rates_for_periods(_periods([D(8640)] + [D(-200)] * 48), 12)
    assert (rates.periodic_rate * 100).quantize(D("0.0001")) == D("0.4385")
    assert rates.apr_percent.quantize(D("0.001")) == D("5.262")


def test_standard_amortization_ten_thousand_at_one_percent() -> None:
    """The annuity 10,000 x 0.01 / (1 - 1.01^-12) = 888.49 a month for 12 months at 1% a month:
    APR 12%, EIR (1.01)^12 - 1 = 12.6825% (10,000 at 12% compounded monthly grows to 11,268.25,
    https://qammunity.org/1724579)."""
    exact = _annuity_payment(D(10000), D("0.01"), 12)
    assert exact.quantize(TWO_PLACES) == D("888.49")
    rates = rates_for_periods(_periods([D(10000)] + [-exact] * 12), 12)
    assert rates.apr_percent == D("12.0000")
    assert rates.eir_percent == D("12.6825")
    rounded = rates_for_periods(_periods([D(10000)] + [D("-888.49")] * 12), 12)
    assert rounded.apr_percent.quantize(TWO_PLACES) == D("12.00")


def test_published_amortization_table() -> None:
    """Amortization schedule for 15,000 at 20% a year over 96 months, stated monthly payment
    314.30, http://www.searchlawrence.com/mortgage_calculator/amortization_schedule.php?amount=15000&rate=20&months=96
    : the payment implies an APR of 20.00%."""
    rates = rates_for_periods(_periods([D(15000)] + [D("-314.30")] * 96), 12)
    assert rates.apr_percent.quantize(TWO_PLACES) == D("20.00")


def test_flat_rate_is_far_above_its_quote() -> None:
    """A flat 2.5% a month on 200,000 over 4 months (5,000 interest a month, 55,000 a month):
    the declining-balance equivalent is above 2.5% a month, below twice it."""
    rates = rates_for_periods(_periods([D(200000)] + [D(-55000)] * 4), 12)
    assert D("0.025") < rates.periodic_rate < D("0.05")


# --- XIRR -------------------------------------------------------------------------------------


def test_xirr_spreadsheet_example() -> None:
    """Excel XIRR documentation example, https://support.microsoft.com/zh-cn/excel/functions/xirr-function
    (Example): -10,000 on 2008-01-01, 2,750 on 2008-03-01, 4,250 on 2008-10-30, 3,250 on
    2009-02-15, 2,750 on 2009-04-01: XIRR = 0.373362535 (37.34%). Excel stops at 0.000001%."""
    flows = [
        Flow(D(-10000), date=dt.date(2008, 1, 1)),
        Flow(D(2750), date=dt.date(2008, 3, 1)),
        Flow(D(4250), date=dt.date(2008, 10, 30)),
        Flow(D(3250), date=dt.date(2009, 2, 15)),
        Flow(D(2750), date=dt.date(2009, 4, 1)),
    ]
    assert xirr(flows) == pytest.approx(0.373362535, abs=1e-8)
    assert xirr(list(reversed(flows))) == pytest.approx(0.373362535, abs=1e-8)


def test_xirr_over_a_year_is_the_simple_growth() -> None:
    flows = [Flow(D(1000), date=dt.date(2025, 3, 1)), Flow(D(-1100), date=dt.date(2026, 3, 1))]
    assert xirr(flows) == pytest.approx(0.10, abs=1e-12)


def test_dated_rates_include_actual_days() -> None:
    flows, unit, _ = APPENDIX_J_EXAMPLES["(c)(1)(i)"]
    rates = rates_for_dates(flows, unit)
    assert rates.eir_actual_days_percent is not None
    assert abs(rates.eir_actual_days_percent - rates.eir_percent) < 1
    assert rates_for_periods(_periods([D(100), D(-110)]), 1).eir_actual_days_percent is None


# --- no rate ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amounts", "periods", "message"),
    [
        ([D(100), D(50)], [0, 1], "same sign"),
        ([D(-100), D(-50)], [0, 1], "same sign"),
        ([D(0), D(0)], [0, 1], "zero"),
        ([D(100), D(-100)], [1, 1], "distinct times"),
        ([D(100), D(-100), D(50)], [0, 0, 0], "distinct times"),
        ([D(1), D(-5), D(6)], [0, 1, 2], "more than one rate"),
        ([D(1), D(-(10**9))], [0, 1], "no rate between"),
    ],
)
def test_no_rate(amounts: list[Decimal], periods: list[int], message: str) -> None:
    flows = [Flow(a, period=D(p)) for a, p in zip(amounts, periods, strict=True)]
    with pytest.raises(NoRateError, match=message):
        rates_for_periods(flows, 12)


def test_no_rate_for_one_flow_or_one_date() -> None:
    with pytest.raises(NoRateError, match="at least two"):
        periodic_irr([Flow(D(100), period=D(0))])
    same_day = [Flow(D(100), date=dt.date(2026, 1, 1)), Flow(D(-110), date=dt.date(2026, 1, 1))]
    with pytest.raises(NoRateError):
        rates_for_dates(same_day, "month")
    with pytest.raises(NoRateError):
        xirr(same_day)


def test_wrong_arguments_are_value_errors() -> None:
    with pytest.raises(ValueError, match="unknown unit period"):
        rates_for_dates([Flow(D(1), date=dt.date(2026, 1, 1))] * 2, "moon")
    with pytest.raises(ValueError, match="no period"):
        periodic_irr([Flow(D(1)), Flow(D(-2))])
    with pytest.raises(ValueError, match="no date"):
        xirr([Flow(D(1), period=D(0)), Flow(D(-2), period=D(1))])
    with pytest.raises(ValueError, match="positive"):
        rates_for_periods(_periods([D(1), D(-2)]), 0)


# --- properties -------------------------------------------------------------------------------


def test_sign_convention_does_not_change_the_rate() -> None:
    """The lender's view (every sign flipped) gives the very same rates."""
    flows, unit, _ = APPENDIX_J_EXAMPLES["(c)(1)(iii)"]
    lender = [Flow(-f.amount, date=f.date) for f in flows]
    assert rates_for_dates(lender, unit) == rates_for_dates(flows, unit)
    by_period = _periods([D(1000)] + [D(-90)] * 12)
    flipped = [Flow(-f.amount, period=f.period) for f in by_period]
    assert rates_for_periods(flipped, 12) == rates_for_periods(by_period, 12)


@pytest.mark.parametrize("rate", ["-0.99", "-0.5", "0", "0.0001", "1", "10"])
def test_extreme_rates_per_period(rate: str) -> None:
    """From -99% to +1000% per period the solver recovers the rate an annuity was built with."""
    payment = _annuity_payment(D(1000), D(rate), 24)
    assert periodic_irr(_periods([D(1000)] + [-payment] * 24)) == pytest.approx(
        float(rate), abs=1e-9
    )


@settings(max_examples=300, deadline=None)
@given(
    principal=st.decimals(min_value=100, max_value=10**7, places=2),
    rate=st.decimals(min_value=0, max_value=2, places=6),
    count=st.integers(min_value=1, max_value=120),
)
def test_recovers_the_rate_of_any_annuity(principal: Decimal, rate: Decimal, count: int) -> None:
    payment = _annuity_payment(principal, rate, count)
    flows = _periods([principal] + [-payment] * count)
    assert abs(periodic_irr(flows) - float(rate)) < 1e-6


@settings(max_examples=200, deadline=None)
@given(
    rate=st.decimals(min_value=D("0.001"), max_value=D("0.2"), places=4),
    count=st.integers(min_value=2, max_value=60),
    fee_percent=st.decimals(min_value=D("0.5"), max_value=10, places=2),
    per_year=st.sampled_from([12, 26, 52]),
)
def test_an_upfront_fee_raises_the_apr(
    rate: Decimal, count: int, fee_percent: Decimal, per_year: int
) -> None:
    """A fee taken from the amount disbursed puts the APR above the nominal rate."""
    principal = D(100000)
    payment = _annuity_payment(principal, rate, count)
    received = principal * (1 - fee_percent / 100)
    rates = rates_for_periods(_periods([received] + [-payment] * count), per_year)
    assert rates.periodic_rate > rate
    assert rates.apr_percent > rate * per_year * 100


def test_fractional_periods() -> None:
    """Half a period at 21% a period is 10% ((1.1)^2 = 1.21)."""
    flows = [Flow(D(100), period=D(0)), Flow(D(-110), period=D("0.5"))]
    assert periodic_irr(flows) == pytest.approx(0.21, abs=1e-12)


def test_periods_need_not_start_at_zero() -> None:
    late = [Flow(D(1000), period=D(3))] + [Flow(D(-90), period=D(3 + k)) for k in range(1, 13)]
    early = _periods([D(1000)] + [D(-90)] * 12)
    assert periodic_irr(late) == pytest.approx(periodic_irr(early), abs=1e-13)


def test_percentages_are_rounded_to_four_places() -> None:
    rates = rates_for_periods(_periods([D(1000)] + [D(-90)] * 12), 12)
    assert rates.apr_percent == rates.apr_percent.quantize(D("0.0001"))
    assert rates.apr_percent.as_tuple().exponent == -4
    assert rates.eir_percent.as_tuple().exponent == -4


def test_explain_gives_formulas_and_inputs() -> None:
    rates = rates_for_periods(_periods([D(10000)] + [D("-888.49")] * 12), 12)
    figures = explain(rates)
    assert figures["apr_percent"]["formula"] == "periodic IRR × periods per year × 100"
    assert figures["apr_percent"]["periodic_rate"] == str(rates.periodic_rate)
    assert figures["apr_percent"]["periods_per_year"] == 12
    assert figures["eir_percent"]["value"] == str(rates.eir_percent)
    assert "eir_actual_days_percent" not in figures
    flows, unit, _ = APPENDIX_J_EXAMPLES["(c)(1)(ii)"]
    dated = explain(rates_for_dates(flows, unit))
    assert "Appendix J" in dated["periodic_rate"]["method"]
    assert dated["eir_actual_days_percent"]["value"] == str(
        rates_for_dates(flows, unit).eir_actual_days_percent
    )


def test_rates_is_a_value() -> None:
    rates = Rates(D("0.01"), 12, D("12.0000"), D("12.6825"))
    assert rates.eir_actual_days_percent is None
    assert rates.unit_period is None


def test_mftransparency_one_percent_a_month() -> None:
    """MFTransparency, "MFTransparency Methodology"
    (http://www.mftransparency.org/pages/mftransparency-methodology/): "For a monthly interest
    rate of 1%, the APR ... giving 12%. ... For an interest rate of 1% per month, the EIR gives an
    annual rate of 12.7%." Here a 12-month loan of 10,000 repaid by the exact annuity at 1%."""
    payment = Decimal(10000) * Decimal("0.01") / (1 - Decimal("1.01") ** -12)
    flows = [Flow(Decimal(10000), period=Decimal(0))] + [
        Flow(-payment, period=Decimal(k)) for k in range(1, 13)
    ]
    rates = rates_for_periods(flows, 12)
    assert rates.apr_percent.quantize(Decimal("0.1")) == Decimal("12.0")
    assert rates.eir_percent.quantize(Decimal("0.1")) == Decimal("12.7")
