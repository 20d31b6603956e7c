"""Cash flows from JSON (the ``wazi loan rate FLOWS.json`` input) and rates back to JSON.

FLOWS.json is an object::

    {"unit_period": "month",
     "flows": [{"amount": "1000", "date": "2026-01-15"},
               {"amount": "-88.85", "date": "2026-02-15"}, ...]}

or, with flows placed by period number instead of by date::

    {"periods_per_year": 12,
     "flows": [{"amount": "1000", "period": 0}, {"amount": "-88.85", "period": 1}, ...]}

- ``unit_period`` is one of ``day``, ``week``, ``fortnight``, ``semimonth``, ``month``,
  ``quarter``, ``half_year``, ``year``. Dated flows need it (Regulation Z Appendix J counts
  unit-periods on the calendar); period flows take either it or ``periods_per_year``
  (a positive number), not both.
- Amounts are positive when the client receives money and negative when the client pays.
  They are decimal strings; numbers are read through their text (``0.1`` stays 0.1).
- Every flow has ``amount`` and exactly one of ``date`` (``YYYY-MM-DD``) or ``period``
  (a number of periods, may be fractional, not negative); all flows use the same one.
- A bare list of flows is accepted too; then the caller gives ``unit_period`` or
  ``periods_per_year`` (e.g. from command-line options), which also fill in for an object
  that has neither key.

Bad input raises :class:`InputError` naming the field, e.g. ``flows[2].date: 2026-02-30 is not
a date``. Input that is well formed but has no rate raises :class:`~bot.loans.rates.NoRateError`.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from bot.loans.rates import PERIODS_PER_YEAR, Flow, Rates, rates_for_dates, rates_for_periods
from bot.loans.terms_json import InputError

logger = logging.getLogger(__name__)

_KEYS = ("unit_period", "periods_per_year", "flows")
_FLOW_KEYS = ("amount", "date", "period")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _number(value: Any, field: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InputError(field, f"expected a number, got {value!r}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise InputError(field, f"expected a number, got {value!r}") from None
    if not number.is_finite():
        raise InputError(field, f"expected a finite number, got {value!r}")
    return number


def _date(value: Any, field: str) -> dt.date:
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise InputError(field, f"expected a date like 2026-01-15, got {value!r}")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(field, f"{value} is not a date") from None


def _unit_period(value: Any) -> str:
    if not isinstance(value, str) or value not in PERIODS_PER_YEAR:
        known = ", ".join(PERIODS_PER_YEAR)
        raise InputError("unit_period", f"unknown value {value!r} (expected one of: {known})")
    return value


def _periods_per_year(value: Any) -> int | Decimal:
    number = _number(value, "periods_per_year")
    if number <= 0:
        raise InputError("periods_per_year", f"must be positive, got {value}")
    return int(number) if number == number.to_integral_value() else number


def _flow(raw: Any, where: str) -> Flow:
    if not isinstance(raw, dict):
        raise InputError(where, "expected an object with amount and date or period")
    for key in raw:
        if key not in _FLOW_KEYS:
            raise InputError(f"{where}.{key}", "unknown key (expected amount, date or period)")
    if "amount" not in raw:
        raise InputError(f"{where}.amount", "missing")
    amount = _number(raw["amount"], f"{where}.amount")
    if ("date" in raw) == ("period" in raw):
        raise InputError(where, "needs exactly one of date or period")
    if "date" in raw:
        return Flow(amount=amount, date=_date(raw["date"], f"{where}.date"))
    period = _number(raw["period"], f"{where}.period")
    if period < 0:
        raise InputError(f"{where}.period", f"must not be negative, got {raw['period']}")
    return Flow(amount=amount, period=period)


def parse_flows(
    document: Any,
    *,
    unit_period: str | None = None,
    periods_per_year: int | Decimal | None = None,
) -> tuple[list[Flow], str | None, int | Decimal]:
    """Check a FLOWS.json document: (flows, unit_period or None, periods_per_year).

    ``unit_period`` is set for dated flows and whenever the document gives it. The keyword
    arguments (e.g. command-line options) are used when the document gives neither setting,
    which is how a bare list of flows gets one.
    """
    if isinstance(document, list):
        document = {"flows": document}
    if not isinstance(document, dict):
        raise InputError("flows", "expected an object with flows, or a list of flows")
    for key in document:
        if key not in _KEYS:
            raise InputError(str(key), f"unknown key (expected one of: {', '.join(_KEYS)})")
    if "unit_period" not in document and "periods_per_year" not in document:
        document = dict(document)
        if unit_period is not None:
            document["unit_period"] = unit_period
        if periods_per_year is not None:
            document["periods_per_year"] = periods_per_year
    if "flows" not in document:
        raise InputError("flows", "missing")
    raw_flows = document["flows"]
    if not isinstance(raw_flows, list):
        raise InputError("flows", "expected a list of flows")
    if len(raw_flows) < 2:
        raise InputError("flows", f"at least two flows are needed, got {len(raw_flows)}")
    flows = [_flow(raw, f"flows[{k}]") for k, raw in enumerate(raw_flows)]
    dated = flows[0].date is not None
    for k, flow in enumerate(flows):
        if (flow.date is not None) != dated:
            first, this = ("date", "period") if dated else ("period", "date")
            raise InputError(f"flows[{k}]", f"has a {this} but flows[0] has a {first}: use one")

    has_unit, has_per_year = "unit_period" in document, "periods_per_year" in document
    if has_unit and has_per_year:
        raise InputError("periods_per_year", "give unit_period or periods_per_year, not both")
    if has_unit:
        unit = _unit_period(document["unit_period"])
        return flows, unit, PERIODS_PER_YEAR[unit]
    if not has_per_year:
        raise InputError("unit_period", "missing (or periods_per_year for period flows)")
    if dated:
        raise InputError("periods_per_year", "dated flows need unit_period instead")
    return flows, None, _periods_per_year(document["periods_per_year"])


def rates_from_flows_json(
    document: Any,
    *,
    unit_period: str | None = None,
    periods_per_year: int | Decimal | None = None,
) -> Rates:
    """The rates of a parsed FLOWS.json document (see the module docstring)."""
    flows, unit, per_year = parse_flows(
        document, unit_period=unit_period, periods_per_year=periods_per_year
    )
    if unit is not None and flows[0].date is not None:
        return rates_for_dates(flows, unit)
    return rates_for_periods(flows, per_year)


def rates_as_json(rates: Rates) -> dict[str, str]:
    """APR and EIR as decimal strings; ``eir_actual_days_percent`` too for dated flows."""
    out = {"apr_percent": str(rates.apr_percent), "eir_percent": str(rates.eir_percent)}
    if rates.eir_actual_days_percent is not None:
        out["eir_actual_days_percent"] = str(rates.eir_actual_days_percent)
    return out
