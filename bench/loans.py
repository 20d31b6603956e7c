"""How fast the loan engine quotes a loan: schedule, status on a day, and the three rates.

Run: ``make bench-loans`` (or ``.venv/bin/python bench/loans.py``). Prints the median time to
quote one 52-installment weekly loan (20 installments paid), and the time to quote 10,000
different loans. Target: under 1 ms per loan.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from decimal import Decimal

from bot.loans.quote import quote as quote_loan
from bot.loans.schedule import build_schedule
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


def payments_for(terms: LoanTerms, paid: int) -> list[Payment]:
    return [Payment(row.due_date, row.total) for row in build_schedule(terms).rows[:paid]]


def quote(terms: LoanTerms, payments: list[Payment]) -> None:
    result = quote_loan(terms, payments, TODAY)
    assert result.rates is not None and result.status is not None


def main() -> None:
    terms = weekly_loan(Decimal("100000.00"), InterestMethod.DECLINING_EQUAL_INSTALLMENT)
    payments = payments_for(terms, 20)
    samples = []
    for _ in range(500):
        start = time.perf_counter()
        quote(terms, payments)
        samples.append(time.perf_counter() - start)
    print(
        f"one 52-installment loan: median {statistics.median(samples) * 1000:.3f} ms, "
        f"fastest {min(samples) * 1000:.3f} ms"
    )

    rng = random.Random(7)
    methods = list(InterestMethod)
    loans = [
        weekly_loan(Decimal(rng.randrange(5_000, 500_000)), rng.choice(methods))
        for _ in range(10_000)
    ]
    paid = [payments_for(terms, rng.randrange(0, 52)) for terms in loans]
    start = time.perf_counter()
    for terms, payments in zip(loans, paid, strict=True):
        quote(terms, payments)
    elapsed = time.perf_counter() - start
    print(f"10,000 different loans: {elapsed:.2f} s ({elapsed / 10_000 * 1000:.3f} ms per loan)")


if __name__ == "__main__":
    main()
