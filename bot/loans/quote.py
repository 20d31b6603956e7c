"""A full quote of a loan: schedule, totals, rates and, on a date, where it stands.

Every figure comes with a structured explanation (the formula applied and its inputs) that
the assistant can turn into one plain sentence.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bot.loans.cost import Totals, loan_rates, totals
from bot.loans.rates import NoRateError, Rates
from bot.loans.rates import explain as explain_rates
from bot.loans.schedule import Schedule, build_schedule
from bot.loans.status import LoanStatus, loan_status
from bot.loans.terms import InterestMethod, LoanTerms, Payment


@dataclass(frozen=True)
class Explanation:
    figure: str
    value: str
    formula: str
    inputs: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Quote:
    schedule: Schedule
    totals: Totals
    rates: Rates | None
    rate_error: str | None
    status: LoanStatus | None

    @property
    def currency(self) -> str:
        return self.schedule.terms.currency


def quote(terms: LoanTerms, payments: list[Payment] | None = None, today: dt.date | None = None):
    """Quote a loan; with ``today``, also its status given the payments made."""
    schedule = build_schedule(terms)
    try:
        rates, rate_error = loan_rates(schedule), None
    except NoRateError as exc:
        rates, rate_error = None, str(exc)
    status = None if today is None else loan_status(schedule, payments or [], today)
    return Quote(schedule, totals(schedule), rates, rate_error, status)


def _pct(rate: Decimal) -> str:
    return f"{rate * 100:.6f}".rstrip("0").rstrip(".")


def explanations(q: Quote) -> list[Explanation]:
    """How each headline figure was computed."""
    s, terms = q.schedule, q.schedule.terms
    r = _pct(s.periodic_rate)
    first = s.rows[0]
    out = []
    if terms.interest_method is InterestMethod.FLAT:
        out.append(
            Explanation(
                "total_interest",
                str(q.totals.interest),
                "principal x periodic rate x installments, rounded once",
                {
                    "principal": str(s.disbursement.principal),
                    "periodic_rate_percent": r,
                    "installments": str(terms.installments),
                },
            )
        )
    else:
        out.append(
            Explanation(
                "first_interest",
                str(first.interest),
                "balance x periodic rate, rounded",
                {"balance": str(s.disbursement.principal), "periodic_rate_percent": r},
            )
        )
    if terms.interest_method is InterestMethod.DECLINING_EQUAL_INSTALLMENT:
        out.append(
            Explanation(
                "installment",
                str(first.principal + first.interest),
                "principal x r / (1 - (1 + r)^-n), rounded; the last pays what is left",
                {
                    "principal": str(s.disbursement.principal),
                    "r_percent": r,
                    "n": str(terms.installments - terms.grace_periods),
                },
            )
        )
    if q.rates is not None:
        for figure, detail in explain_rates(q.rates).items():
            if figure == "periodic_rate":
                continue
            inputs = {
                k: str(v)
                for k, v in detail.items()
                if k not in {"value", "formula"} and v is not None
            }
            if figure == "apr_percent":
                inputs["net_received"] = str(q.totals.net_received)
            out.append(Explanation(figure, str(detail["value"]), str(detail["formula"]), inputs))
    if q.status is not None:
        p = q.status.payoff
        out.append(
            Explanation(
                "payoff_amount",
                str(p.amount),
                "outstanding principal + interest by the prepayment rule + fees + penalties"
                " + prepayment fee - savings returned",
                {
                    "principal": str(p.principal),
                    "interest": str(p.interest),
                    "fees": str(p.fees),
                    "penalties": str(p.penalties),
                    "prepayment_fee": str(p.prepayment_fee),
                    "savings_refund": str(p.savings_refund),
                    "rule": str(terms.prepayment.interest),
                },
            )
        )
    return out


def quote_as_json(q: Quote) -> dict[str, Any]:
    """Every amount as a decimal string."""
    t = q.totals
    data: dict[str, Any] = {
        "currency": q.currency,
        "periodic_rate_percent": _pct(q.schedule.periodic_rate),
        "schedule": [
            {
                "number": row.number,
                "due_date": row.due_date.isoformat(),
                "principal": str(row.principal),
                "interest": str(row.interest),
                "fees": str(row.fees + row.tax),
                "savings": str(row.savings),
                "total": str(row.total),
                "balance": str(row.balance),
            }
            for row in q.schedule.rows
        ],
        "totals": {
            "principal": str(t.principal),
            "interest": str(t.interest),
            "fees": str(t.fees),
            "insurance": str(t.insurance),
            "taxes_on_interest": str(t.taxes_on_interest),
            "cost_of_credit": str(t.cost_of_credit),
            "total_to_repay": str(t.total_to_repay),
            "net_received": str(t.net_received),
            "savings_returned": str(t.savings_returned),
        },
        "apr_percent": None if q.rates is None else str(q.rates.apr_percent),
        "eir_percent": None if q.rates is None else str(q.rates.eir_percent),
        "eir_actual_days_percent": (
            None
            if q.rates is None or q.rates.eir_actual_days_percent is None
            else str(q.rates.eir_actual_days_percent)
        ),
        "explanations": [e.__dict__ for e in explanations(q)],
    }
    if q.rate_error:
        data["rate_error"] = q.rate_error
    if q.status is not None:
        st = q.status
        upcoming = st.next_due
        data["status"] = {
            "today": st.today.isoformat(),
            "paid_total": str(st.paid_total),
            "next_due": None
            if upcoming is None
            else {
                "number": upcoming.number,
                "due_date": upcoming.due_date.isoformat(),
                "amount": str(upcoming.remaining),
                "principal": str(upcoming.installment.principal - upcoming.paid_principal),
                "interest": str(upcoming.installment.interest - upcoming.paid_interest),
                "fees": str(
                    upcoming.installment.fees
                    + upcoming.installment.tax
                    + upcoming.installment.savings
                    - upcoming.paid_fees
                ),
            },
            "overdue": [
                {
                    "number": s.number,
                    "due_date": s.due_date.isoformat(),
                    "days_late": s.days_late,
                    "penalties": str(s.penalties - s.paid_penalties),
                    "amount": str(s.remaining),
                }
                for s in st.overdue
            ],
            "outstanding_principal": str(st.outstanding_principal),
            "total_due_today": str(st.total_due_today),
            "payoff_amount": str(st.payoff.amount),
        }
    return data


def render_table(q: Quote) -> str:
    """A plain-text report for the terminal."""
    rows = [("#", "due date", "principal", "interest", "fees", "total", "balance")]
    for row in q.schedule.rows:
        rows.append(
            (
                str(row.number),
                row.due_date.isoformat(),
                str(row.principal),
                str(row.interest),
                str(row.fees + row.tax + row.savings),
                str(row.total),
                str(row.balance),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    t = q.totals
    lines += [
        "",
        f"currency {q.currency}; net amount received {t.net_received}",
        f"interest {t.interest}; fees {t.fees}; insurance {t.insurance}; "
        f"taxes on interest {t.taxes_on_interest}",
        f"cost of credit {t.cost_of_credit}; total to repay {t.total_to_repay}",
    ]
    if q.rates is not None:
        actual = q.rates.eir_actual_days_percent
        lines.append(
            f"APR {q.rates.apr_percent}%; EIR {q.rates.eir_percent}%"
            + ("" if actual is None else f"; EIR (actual days) {actual}%")
        )
    else:
        lines.append(f"rates: {q.rate_error}")
    if q.status is not None:
        st = q.status
        lines.append("")
        lines.append(f"on {st.today.isoformat()}: paid {st.paid_total}")
        upcoming = st.next_due
        if upcoming is not None:
            lines.append(
                f"next due: #{upcoming.number} on {upcoming.due_date.isoformat()}, "
                f"{upcoming.remaining}"
            )
        for s in st.overdue:
            lines.append(
                f"overdue: #{s.number} due {s.due_date.isoformat()}, {s.days_late} days late, "
                f"{s.remaining} incl. penalties {s.penalties - s.paid_penalties}"
            )
        lines.append(
            f"outstanding principal {st.outstanding_principal}; due today {st.total_due_today}; "
            f"payoff today {st.payoff.amount}"
        )
    return "\n".join(lines)
