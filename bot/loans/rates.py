"""Interest rates implied by a loan's cash flows: periodic IRR, APR, EIR and XIRR (pure).

Sign convention: each flow is seen from the client's side. Money the client receives (the
disbursement) is positive, money the client pays (installments, fees) is negative. The rates do
not depend on the overall sign: the lender's view (every sign flipped) gives the same numbers.

Three ways to place flows in time:

- by period number (``Flow.period``, may be fractional): the rate per period ``i`` solves
  ``sum CF_k (1 + i)^-t_k = 0`` (:func:`periodic_irr`);
- by date, per Regulation Z Appendix J (12 CFR 1026, the US actuarial method): each flow's time
  from the first flow is whole unit-periods ``t`` counted back from the flow's date plus a fraction
  ``f`` of a unit-period, and ``i`` solves the general equation (b)(8)
  ``sum CF_k / ((1 + f_k i)(1 + i)^t_k) = 0`` (:func:`appendix_j_rate`);
- by date over actual days / 365 (EU consumer credit APRC, spreadsheet XIRR): the annual rate
  ``r`` solves ``sum CF_k (1 + r)^-(days_k / 365) = 0`` (:func:`xirr`).

From the rate per period: APR = ``i x periods per year`` (Reg Z (b)(1), MFTransparency) and
EIR = ``(1 + i)^periods per year - 1``. Percentages are :class:`~decimal.Decimal` rounded half-up
to 0.0001 (four decimals of a percent); the periodic rate is kept unrounded.

The solver works on ``x = ln(1 + i)`` in a bracket from -99.99% to +1,000,000% per period with
Newton steps safeguarded by bisection, to about 1e-14 in ``x``: far below 0.0001 percentage
point of APR. When no rate exists (all flows of one sign, all zero, a single date) or more than
one rate solves the flows, :class:`NoRateError` is raised: a wrong number is never returned.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

logger = logging.getLogger(__name__)

PERIODS_PER_YEAR: dict[str, int] = {
    "day": 365,
    "week": 52,
    "fortnight": 26,
    "semimonth": 24,
    "month": 12,
    "quarter": 4,
    "half_year": 2,
    "year": 1,
}

# Appendix J (b)(5): unit-periods counted in days (iv), and in "30-day months" (ii), (iii).
_DAYS_PER_UNIT = {"day": 1, "week": 7, "fortnight": 14}
_MONTH_DAYS_PER_UNIT = {"semimonth": 15, "month": 30, "quarter": 90, "half_year": 180}

PERCENT_QUANTUM = Decimal("0.0001")
_HUNDRED = Decimal(100)

# The bracket, in x = ln(1 + i): i from -99.99% to +1,000,000% per period.
_X_LOW = math.log(1e-4)
_X_HIGH = math.log(1e4)
# An annual rate compounds a high daily or weekly one: allow up to 10^12 % a year for XIRR.
_X_HIGH_ANNUAL = math.log(1e10)
_X_TOLERANCE = 1e-14
_MAX_ITERATIONS = 200
_SCAN_POINTS = 400


class NoRateError(ValueError):
    """The flows have no single rate: say why instead of returning a number."""


@dataclass(frozen=True)
class Flow:
    """One cash flow: positive when the client receives money, negative when the client pays.

    ``date`` places it on the calendar; ``period`` places it at a number of unit periods after
    the first flow (may be fractional). Each computation needs one or the other.
    """

    amount: Decimal
    date: dt.date | None = None
    period: Decimal | None = None


@dataclass(frozen=True)
class Rates:
    """The rates implied by a set of flows.

    ``periodic_rate``: rate per unit period as a fraction (0.01 = 1%), unrounded.
    ``apr_percent``: periodic rate x periods per year, in percent.
    ``eir_percent``: (1 + periodic rate)^(periods per year) - 1, in percent.
    ``eir_actual_days_percent``: the XIRR over actual days / 365, in percent (dated flows only).
    Percentages are rounded half-up to 0.0001. ``unit_period`` is set when the periodic rate
    came from dated flows by Regulation Z Appendix J.
    """

    periodic_rate: Decimal
    periods_per_year: int | Decimal
    apr_percent: Decimal
    eir_percent: Decimal
    eir_actual_days_percent: Decimal | None = None
    unit_period: str | None = None


# --- the solver ------------------------------------------------------------------------------


class _Terms:
    """Flows ready for the solver: amounts, exponents t and Appendix J fractions f as floats."""

    __slots__ = ("amounts", "times", "fractions", "latest")

    def __init__(self, amounts: list[float], times: list[float], fractions: list[float]) -> None:
        kept = [k for k, a in enumerate(amounts) if a != 0.0]
        self.amounts = [amounts[k] for k in kept]
        self.times = [times[k] for k in kept]
        self.fractions = [fractions[k] for k in kept] if any(fractions) else None
        self.latest = max(self.times, default=0.0)


def _npv(terms: _Terms, x: float) -> tuple[float, float]:
    """Sum of CF / ((1 + f i)(1 + i)^t) at i = e^x - 1, and its derivative in x.

    Both are scaled by the same positive factor so that nothing overflows; the sign and the
    Newton step (value / derivative) are unchanged by the scaling.
    """
    shift = -terms.latest * x if x < 0.0 else 0.0  # the largest exponent -t x
    value = derivative = 0.0
    exp = math.exp
    if terms.fractions is None:
        for amount, time in zip(terms.amounts, terms.times, strict=True):
            term = amount * exp(-time * x - shift)
            value += term
            derivative -= term * time
        return value, derivative
    growth = math.expm1(x)  # i
    for amount, time, fraction in zip(terms.amounts, terms.times, terms.fractions, strict=True):
        simple = 1.0 + fraction * growth
        term = amount * exp(-time * x - shift) / simple
        value += term
        derivative -= term * (time + fraction * (growth + 1.0) / simple)
    return value, derivative


def _net_signs(terms: _Terms) -> list[bool]:
    """Whether the net flow is positive, at each distinct time in order (zero nets left out)."""
    fractions = terms.fractions or [0.0] * len(terms.times)
    net: dict[float, float] = {}
    for amount, time, fraction in zip(terms.amounts, terms.times, fractions, strict=True):
        net[time + fraction] = net.get(time + fraction, 0.0) + amount
    return [net[k] > 0.0 for k in sorted(net) if net[k] != 0.0]


def _initial_guess(terms: _Terms) -> float:
    """ln(paid / received) over the gap between their amount-weighted mean times."""
    fractions = terms.fractions or [0.0] * len(terms.times)
    received = paid = when_received = when_paid = 0.0
    for amount, time, fraction in zip(terms.amounts, terms.times, fractions, strict=True):
        if amount > 0.0:
            received += amount
            when_received += amount * (time + fraction)
        else:
            paid -= amount
            when_paid -= amount * (time + fraction)
    gap = when_paid / paid - when_received / received
    if gap == 0.0:
        return 0.0
    return math.log(paid / received) / gap


def _bracket_by_scan(terms: _Terms, x_high: float = _X_HIGH) -> tuple[float, float]:
    """For flows that change sign more than once: the one bracket where the NPV changes sign."""
    step = (x_high - _X_LOW) / _SCAN_POINTS
    brackets = []
    x0, (v0, _) = _X_LOW, _npv(terms, _X_LOW)
    for k in range(1, _SCAN_POINTS + 1):
        x1 = _X_LOW + k * step
        v1, _ = _npv(terms, x1)
        if v0 == 0.0 or (v0 < 0.0) != (v1 < 0.0):
            brackets.append((x0, x1))
        x0, v0 = x1, v1
    if not brackets:
        raise NoRateError("no rate between -99.99% and +1,000,000% per period solves these flows")
    if len(brackets) > 1:
        found = ", ".join(f"{math.expm1((a + b) / 2):.2%}" for a, b in brackets)
        raise NoRateError(f"more than one rate per period solves these flows (about {found})")
    return brackets[0]


def _solve(terms: _Terms, x_high: float = _X_HIGH) -> float:
    """The rate per period i (a float) that makes the discounted flows sum to zero."""
    if not terms.amounts:
        raise NoRateError("every flow is zero")
    if all(a > 0.0 for a in terms.amounts) or all(a < 0.0 for a in terms.amounts):
        raise NoRateError("all flows have the same sign: money must go both ways")
    signs = _net_signs(terms)
    changes = sum(1 for a, b in zip(signs, signs[1:], strict=False) if a != b)
    if changes == 0:
        raise NoRateError("the flows net to one sign at every date: they need distinct times")
    if not signs[0]:  # the lender's view: flip every sign so both views give identical bits
        terms.amounts = [-a for a in terms.amounts]
    if changes == 1:
        low, high = _X_LOW, x_high
    else:
        low, high = _bracket_by_scan(terms, x_high)
    f_low, _ = _npv(terms, low)
    f_high, _ = _npv(terms, high)
    if f_low == 0.0:
        return math.expm1(low)
    if f_high == 0.0:
        return math.expm1(high)
    if (f_low < 0.0) == (f_high < 0.0):
        raise NoRateError("no rate between -99.99% and +1,000,000% per period solves these flows")
    low_is_negative = f_low < 0.0
    x = min(max(_initial_guess(terms), low), high)
    if not low < x < high:
        x = (low + high) / 2
    for _ in range(_MAX_ITERATIONS):
        value, derivative = _npv(terms, x)
        if value == 0.0:
            return math.expm1(x)
        if (value < 0.0) == low_is_negative:
            low = x
        else:
            high = x
        step = value / derivative if derivative else math.inf
        candidate = x - step
        if not low < candidate < high:
            candidate = (low + high) / 2  # Newton left the bracket: bisect instead
        if abs(candidate - x) <= _X_TOLERANCE * max(1.0, abs(x)) or high - low <= _X_TOLERANCE:
            return math.expm1(candidate)
        x = candidate
    raise NoRateError("the rate did not converge")  # pragma: no cover - bisection always does


# --- periods ---------------------------------------------------------------------------------


def _require_flows(flows: Sequence[Flow]) -> None:
    if len(flows) < 2:
        raise NoRateError(f"at least two flows are needed, got {len(flows)}")


def periodic_irr(flows: Sequence[Flow]) -> float:
    """Rate per period i solving sum CF_k (1 + i)^-t_k = 0, t_k = ``Flow.period``."""
    _require_flows(flows)
    amounts, times = [], []
    for k, flow in enumerate(flows):
        if flow.period is None:
            raise ValueError(f"flow {k} has no period")
        if flow.period < 0:
            raise ValueError(f"flow {k} has a negative period {flow.period}")
        amounts.append(float(flow.amount))
        times.append(float(flow.period))
    return _solve(_Terms(amounts, times, [0.0] * len(times)))


def _percent(value: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = max(28, value.adjusted() + 8)
        return (value * _HUNDRED).quantize(PERCENT_QUANTUM, rounding=ROUND_HALF_UP)


def _annualize(rate: float, periods_per_year: int | Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """(periodic rate, APR %, EIR %) for a rate per period."""
    periodic = Decimal(repr(rate))
    with localcontext() as ctx:
        ctx.prec = 34
        effective = (1 + periodic) ** Decimal(periods_per_year) - 1
    return periodic, _percent(periodic * periods_per_year), _percent(effective)


def _periods_per_year(value: int | Decimal) -> int | Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise ValueError(f"periods per year must be an int or a Decimal, got {value!r}")
    if not value > 0:
        raise ValueError(f"periods per year must be positive, got {value}")
    return value


def rates_for_periods(flows: Sequence[Flow], periods_per_year: int | Decimal) -> Rates:
    """APR and EIR from flows placed by period number (``Flow.period``)."""
    per_year = _periods_per_year(periods_per_year)
    periodic, apr, eir = _annualize(periodic_irr(flows), per_year)
    return Rates(periodic, per_year, apr, eir)


# --- dates: Regulation Z Appendix J ----------------------------------------------------------


def _months_back(day: dt.date, months: int, day_of_month: int) -> dt.date:
    """The date ``months`` calendar months before ``day``, on ``day_of_month`` when it exists
    and on the month's last day otherwise (Appendix J (b)(3)(iv): 29th/30th series use the last
    day of February; month-end series are measured from month end to month end)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day_of_month, last))


def _full_months(start: dt.date, end: dt.date, day_of_month: int) -> tuple[int, int]:
    """Full months measured back from ``end`` without passing ``start``, and the days left."""
    months = (end.year - start.year) * 12 + end.month - start.month
    while months > 0 and _months_back(end, months, day_of_month) < start:
        months -= 1
    return months, (_months_back(end, months, day_of_month) - start).days


def unit_periods(
    start: dt.date, end: dt.date, unit_period: str, *, day_of_month: int | None = None
) -> tuple[int, Fraction]:
    """Appendix J (b)(5): whole unit-periods ``t`` and fraction ``f`` from ``start`` to ``end``.

    - (iv) day, week, fortnight: days between the dates divided by 1, 7 or 14;
    - (ii) month: full months measured back from ``end``; the days left over divided by 30;
    - (iii) semimonth, quarter, half-year: 30 x full months back from ``end`` plus the days left
      over, divided by 15, 90 or 180;
    - (v) year: full years of 12 months back from ``end``; the rest is the months left over / 12
      when it is a whole number of months, otherwise the days left over / 365.

    ``day_of_month`` is the day the payment series is scheduled on (default ``end.day``); a date
    on the last day of a month shorter than that day counts months from that day (Feb 28 in a
    series on the 30th or on month-ends measures back to Jan 30 or Jan 31).
    """
    if unit_period not in PERIODS_PER_YEAR:
        raise ValueError(f"unknown unit period {unit_period!r}")
    if end < start:
        raise ValueError(f"{end} is before {start}")
    whole, numerator, denominator = _unit_periods(start, end, unit_period, day_of_month)
    return whole, Fraction(numerator, denominator)


def _unit_periods(
    start: dt.date, end: dt.date, unit_period: str, day_of_month: int | None
) -> tuple[int, int, int]:
    """:func:`unit_periods` as (t, numerator of f, denominator of f), in plain integers."""
    if unit_period in _DAYS_PER_UNIT:
        size = _DAYS_PER_UNIT[unit_period]
        whole, rest = divmod((end - start).days, size)
        return whole, rest, size
    anchor = day_of_month or end.day
    months, days = _full_months(start, end, anchor)
    if unit_period == "year":
        years, months_left = divmod(months, 12)
        if days == 0:
            return years, months_left, 12
        return years, (_months_back(end, 12 * years, anchor) - start).days, 365
    if unit_period == "month":
        return months, days, 30
    size = _MONTH_DAYS_PER_UNIT[unit_period]
    whole, rest = divmod(30 * months + days, size)
    return whole, rest, size


def _series_day(dates: Sequence[dt.date]) -> int:
    """The day of the month the payments are scheduled on: the most common, ties to the later."""
    counts = Counter(d.day for d in dates)
    return max(counts, key=lambda day: (counts[day], day))


def _anchor(day: dt.date, series_day: int) -> int:
    month_end = calendar.monthrange(day.year, day.month)[1]
    return series_day if day.day == month_end and series_day > day.day else day.day


def _dated(flows: Sequence[Flow]) -> list[tuple[dt.date, Decimal]]:
    _require_flows(flows)
    dated = []
    for k, flow in enumerate(flows):
        if flow.date is None:
            raise ValueError(f"flow {k} has no date")
        dated.append((flow.date, flow.amount))
    return sorted(dated, key=lambda pair: pair[0])


def appendix_j_rate(flows: Sequence[Flow], unit_period: str) -> float:
    """Rate per unit period by Regulation Z Appendix J's general equation (b)(8).

    The term begins on the earliest flow's date (the advance: (b)(2)); every other flow is
    discounted by ``(1 + f i)(1 + i)^t`` with ``t`` and ``f`` from :func:`unit_periods`.
    """
    if unit_period not in PERIODS_PER_YEAR:
        known = ", ".join(PERIODS_PER_YEAR)
        raise ValueError(f"unknown unit period {unit_period!r} (expected one of: {known})")
    dated = _dated(flows)
    start = dated[0][0]
    by_days = unit_period in _DAYS_PER_UNIT  # no calendar months: no series day needed
    later = [] if by_days else [d for d, _ in dated if d > start]
    series_day = _series_day(later) if later else start.day
    amounts, times, fractions = [], [], []
    for day, amount in dated:
        anchor = None if by_days else _anchor(day, series_day)
        whole, numerator, denominator = _unit_periods(start, day, unit_period, anchor)
        amounts.append(float(amount))
        times.append(float(whole))
        fractions.append(numerator / denominator)
    return _solve(_Terms(amounts, times, fractions))


def xirr(flows: Sequence[Flow]) -> float:
    """Annual effective rate r solving sum CF_k (1 + r)^-(days_k / 365) = 0 (spreadsheet XIRR)."""
    dated = _dated(flows)
    start = dated[0][0]
    amounts = [float(a) for _, a in dated]
    years = [(d - start).days / 365 for d, _ in dated]
    return _solve(_Terms(amounts, years, [0.0] * len(dated)), _X_HIGH_ANNUAL)


def rates_for_dates(flows: Sequence[Flow], unit_period: str) -> Rates:
    """APR and EIR by Appendix J for ``unit_period``, and the actual-days EIR by XIRR."""
    rate = appendix_j_rate(flows, unit_period)
    periodic, apr, eir = _annualize(rate, PERIODS_PER_YEAR[unit_period])
    actual = _percent(Decimal(repr(xirr(flows))))
    return Rates(periodic, PERIODS_PER_YEAR[unit_period], apr, eir, actual, unit_period)


# --- explanation -----------------------------------------------------------------------------


def _plain(value: int | Decimal) -> int | str:
    return value if isinstance(value, int) else str(value)


def explain(rates: Rates) -> dict[str, dict[str, object]]:
    """Each figure with the formula and inputs behind it, for showing one's work."""
    periodic = str(rates.periodic_rate)
    per_year = _plain(rates.periods_per_year)
    if rates.unit_period is None:
        how = "rate per period i solving Σ CF_k (1 + i)^-t_k = 0, t_k = period number of flow k"
        source = "periodic IRR of the flows"
    else:
        how = (
            "rate per unit period i solving Σ CF_k / ((1 + f_k·i)(1 + i)^t_k) = 0, t_k whole "
            "unit-periods and f_k the fraction from the first flow to flow k"
        )
        source = "Regulation Z Appendix J (b)(5), (b)(8)"
    figures: dict[str, dict[str, object]] = {
        "periodic_rate": {
            "value": periodic,
            "formula": how,
            "method": source,
            "unit_period": rates.unit_period,
        },
        "apr_percent": {
            "value": str(rates.apr_percent),
            "formula": "periodic IRR × periods per year × 100",
            "periodic_rate": periodic,
            "periods_per_year": per_year,
            "rounding": "half-up to 0.0001",
        },
        "eir_percent": {
            "value": str(rates.eir_percent),
            "formula": "((1 + periodic IRR) ^ periods per year − 1) × 100",
            "periodic_rate": periodic,
            "periods_per_year": per_year,
            "rounding": "half-up to 0.0001",
        },
    }
    if rates.eir_actual_days_percent is not None:
        figures["eir_actual_days_percent"] = {
            "value": str(rates.eir_actual_days_percent),
            "formula": "annual rate r solving Σ CF_k (1 + r)^-(days_k / 365) = 0, × 100",
            "method": "XIRR over actual days from the first flow, 365-day year",
            "rounding": "half-up to 0.0001",
        }
    return figures


__all__ = [
    "PERIODS_PER_YEAR",
    "Flow",
    "NoRateError",
    "Rates",
    "appendix_j_rate",
    "explain",
    "periodic_irr",
    "rates_for_dates",
    "rates_for_periods",
    "unit_periods",
    "xirr",
]
