"""The true cost of a loan: totals, the client's real cash flows, and the rates they imply.

Cash flows are from the client's side: the net amount received at disbursement is positive
(principal less deducted and upfront charges and the savings deposit); each installment,
with its fees and savings contribution, is negative; savings returned at the end are positive.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bot.loans.rates import Flow, Rates, rates_for_dates
from bot.loans.schedule import Schedule, charge_amount
from bot.loans.terms import ChargeCategory, ChargeTiming, Frequency
from bot.money import ZERO

_UNIT_PERIOD = {
    Frequency.DAILY: "day",
    Frequency.WEEKLY: "week",
    Frequency.FORTNIGHTLY: "fortnight",
    Frequency.MONTHLY: "month",
    Frequency.QUARTERLY: "quarter",
}


@dataclass(frozen=True)
class Totals:
    principal: Decimal
    interest: Decimal
    fees: Decimal  # every fee, at disbursement or per installment, with its taxes
    insurance: Decimal
    taxes_on_interest: Decimal
    savings_paid: Decimal  # deposit plus contributions
    savings_returned: Decimal
    installments: Decimal  # the sum of every installment
    upfront_charges: Decimal  # paid in cash at disbursement
    net_received: Decimal  # cash in hand at disbursement

    @property
    def cost_of_credit(self) -> Decimal:
        """Everything the loan costs beyond the principal (savings come back, so not counted)."""
        savings_interest = self.savings_returned - self.savings_paid
        return (
            self.interest + self.fees + self.insurance + self.taxes_on_interest - savings_interest
        )

    @property
    def total_to_repay(self) -> Decimal:
        """The installments plus the charges paid in cash at disbursement."""
        return self.installments + self.upfront_charges


def totals(schedule: Schedule) -> Totals:
    terms, d = schedule.terms, schedule.disbursement
    fees = insurance = ZERO
    for charge in terms.charges:
        amount = charge_amount(charge, terms.principal, terms.currency)
        if charge.when is ChargeTiming.PER_INSTALLMENT:
            amount *= terms.installments
        if charge.category is ChargeCategory.INSURANCE:
            insurance += amount
        else:
            fees += amount
    contributions = sum((row.savings for row in schedule.rows), ZERO)
    return Totals(
        principal=d.principal - d.financed,
        interest=sum((row.interest for row in schedule.rows), ZERO),
        fees=fees,
        insurance=insurance,
        taxes_on_interest=sum((row.tax for row in schedule.rows), ZERO),
        savings_paid=d.savings_deposit + contributions,
        savings_returned=schedule.savings_returned,
        installments=sum((row.total for row in schedule.rows), ZERO),
        upfront_charges=d.upfront,
        net_received=d.net_received,
    )


def cash_flows(schedule: Schedule) -> list[Flow]:
    """The client's dated cash flows, each also placed at its period number."""
    flows = [
        Flow(amount=schedule.disbursement.net_received, date=schedule.disbursement.date, period=0)
    ]
    last = len(schedule.rows)
    for row in schedule.rows:
        amount = -row.total
        if row.number == last:
            amount += schedule.savings_returned
        flows.append(Flow(amount=amount, date=row.due_date, period=Decimal(row.number)))
    return flows


def loan_rates(schedule: Schedule) -> Rates:
    """APR and EIR by the actuarial method (Reg Z Appendix J, which for a regular schedule is
    the periodic IRR x periods per year, the MFTransparency convention), and the EIR over
    actual days / 365 (XIRR)."""
    flows = [Flow(amount=f.amount, date=f.date) for f in cash_flows(schedule)]
    return rates_for_dates(flows, _UNIT_PERIOD[schedule.terms.frequency])
