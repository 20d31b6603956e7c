"""How fast the loan engine quotes a loan: schedule plus status on a given day.

Run: ``.venv/bin/python bench/loans.py``. Prints the median time to quote one 52-installment
weekly loan, and the time to quote 10,000 different loans. (The three rates APR/EIR arrive with
the cost-of-credit work; this measures what the engine computes today.)
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from decimal import Decimal

from bot.loans.schedule import build_schedule
from bot.loans.status import loan_status
from bot.loans.terms import (
    AmountKind,
    Charge,
    ChargeTiming,
    Frequency,
    InterestMethod,
    LoanTerms,
    Payment,
    RatePeriod,
)

TODAY = dt.date(2026, 11, 25)


def weekly_loan(principal: Decimal, method: InterestMethod) -> LoanTerms:
    return LoanTerms(
        principal=principal,
        currency="KES",
        disbursement_date=dt.date(2026, 6, 1),
        first_due_date=dt.date(2026, 6, 8),
        frequency=Frequency.WEEKLY,
        installments=52,
        interest_method=method,
        rate=Decimal("36"),
        rate_period=RatePeriod.YEAR,
        charges=(
            Charge("fee", AmountKind.PERCENT_OF_PRINCIPAL, Decimal(2), ChargeTiming.DEDUCTED),
        ),
    )


def quote(terms: LoanTerms, paid: int) -> None:
    schedule = build_schedule(terms)
    payments = [Payment(row.due_date, row.total) for row in schedule.rows[:paid]]
    loan_status(schedule, payments, TODAY)


def main() -> None:
    terms = weekly_loan(Decimal("100000.00"), InterestMethod.DECLINING_EQUAL_INSTALLMENT)
    samples = []
    for _ in range(200):
        start = time.perf_counter()
        quote(terms, paid=20)
        samples.append(time.perf_counter() - start)
    print(f"one 52-installment loan: median {statistics.median(samples) * 1000:.3f} ms")

    rng = random.Random(7)
    methods = list(InterestMethod)
    loans = [
        weekly_loan(Decimal(rng.randrange(5_000, 500_000)), rng.choice(methods))
        for _ in range(10_000)
    ]
    start = time.perf_counter()
    for terms in loans:
        quote(terms, paid=rng.randrange(0, 52))
    elapsed = time.perf_counter() - start
    print(f"10,000 different loans: {elapsed:.2f} s ({elapsed / 10_000 * 1000:.3f} ms per loan)")


if __name__ == "__main__":
    main()
