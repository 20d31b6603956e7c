"""The seam between stored loans and the loan engine: ORM rows in, engine values out."""

from __future__ import annotations

from bot.db.models import Loan
from bot.loans.terms import Charge, LoanTerms, Payment, PenaltyRule, PrepaymentRule, Savings


def terms_for(loan: Loan) -> LoanTerms:
    """The engine's view of a stored loan and its product."""
    product = loan.product
    return LoanTerms(
        principal=loan.principal,
        currency=loan.currency,
        disbursement_date=loan.disbursement_date,
        first_due_date=loan.first_due_date,
        frequency=loan.frequency,
        installments=loan.installments,
        interest_method=product.interest_method,
        rate=product.interest_rate,
        rate_period=product.rate_period,
        charges=tuple(
            Charge(
                name=c.name,
                kind=c.kind,
                amount=c.amount,
                when=c.timing,
                category=c.category,
                tax_percent=c.tax_percent,
            )
            for c in product.charges
        ),
        interest_tax_percent=product.interest_tax_percent,
        grace_periods=product.grace_periods,
        savings=Savings(
            deposit_kind=product.savings_deposit_kind,
            deposit_amount=product.savings_deposit_amount,
            per_installment=product.savings_per_installment,
            annual_interest_percent=product.savings_interest_rate,
        ),
        penalty=PenaltyRule(
            kind=product.penalty_kind,
            grace_days=product.penalty_grace_days,
            amount=product.penalty_amount,
            cap=product.penalty_cap,
        ),
        prepayment=PrepaymentRule(
            interest=product.prepayment_interest,
            fee_kind=product.prepayment_fee_kind,
            fee_amount=product.prepayment_fee_amount,
        ),
    )


def payments_for(loan: Loan) -> list[Payment]:
    """The client's payments on a loan, oldest first."""
    return [Payment(date=r.paid_on, amount=r.amount) for r in loan.repayments]
