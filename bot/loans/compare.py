"""Flat versus declining balance, with a client's own numbers.

For a flat loan: what the same nominal rate would cost on the declining balance, and the
declining-balance rate that its installments really amount to. For a declining loan: what the
same nominal rate would cost if it were charged flat.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal

from bot.loans.rates import Flow, rates_for_periods
from bot.loans.schedule import Schedule, build_schedule
from bot.loans.terms import InterestMethod
from bot.money import ZERO


@dataclass(frozen=True)
class MethodComparison:
    method: InterestMethod  # the loan's own method
    nominal_rate_percent: Decimal  # per installment period
    interest: Decimal  # the loan's own total interest
    other_method: InterestMethod
    other_interest: Decimal  # the same rate charged the other way
    equivalent_declining_rate_percent: Decimal | None  # flat loans: the real periodic rate

    @property
    def difference(self) -> Decimal:
        return abs(self.interest - self.other_interest)


def compare_methods(schedule: Schedule) -> MethodComparison:
    terms = schedule.terms
    flat = terms.interest_method is InterestMethod.FLAT
    other = InterestMethod.DECLINING_EQUAL_INSTALLMENT if flat else InterestMethod.FLAT
    other_schedule = build_schedule(dataclasses.replace(terms, interest_method=other))
    interest = sum((r.interest for r in schedule.rows), ZERO)
    other_interest = sum((r.interest for r in other_schedule.rows), ZERO)
    equivalent = None
    if flat and interest > 0:
        # The rate on the declining balance that the flat installments amount to (no fees).
        flows = [Flow(schedule.disbursement.principal, period=Decimal(0))] + [
            Flow(-(r.principal + r.interest), period=Decimal(r.number)) for r in schedule.rows
        ]
        periodic = rates_for_periods(flows, terms.frequency.periods_per_year).periodic_rate
        equivalent = (periodic * 100).quantize(Decimal("0.01"))
    return MethodComparison(
        method=terms.interest_method,
        nominal_rate_percent=(schedule.periodic_rate * 100).quantize(Decimal("0.0001")),
        interest=interest,
        other_method=other,
        other_interest=other_interest,
        equivalent_declining_rate_percent=equivalent,
    )
