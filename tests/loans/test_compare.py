"""Flat versus declining balance with the demo loans' own numbers."""

from __future__ import annotations

from decimal import Decimal

from bot.loans.compare import compare_methods
from bot.loans.schedule import build_schedule
from bot.loans.terms import InterestMethod


def test_flat_l5001_costs_more_than_the_same_rate_declining(demo_terms) -> None:
    c = compare_methods(build_schedule(demo_terms["L-5001"]))
    # Flat: 3% of 1,000,000 for 10 months = 300,000.
    assert c.interest == Decimal(300000)
    assert c.other_method is InterestMethod.DECLINING_EQUAL_INSTALLMENT
    # Declining at 3% a month: annuity 117,231 (1,000,000 x 0.03 / (1 - 1.03^-10) = 117,230.51
    # rounded), 10 installments less the principal: about 172,300.
    assert Decimal(172000) < c.other_interest < Decimal(173000)
    # The 130,000 flat installments amount to about 5.1% a month on the declining balance.
    assert c.equivalent_declining_rate_percent == Decimal("5.08")


def test_declining_l1001_would_cost_more_flat(demo_terms) -> None:
    c = compare_methods(build_schedule(demo_terms["L-1001"]))
    assert c.interest == Decimal("6735.76")
    # Flat: 2% of 50,000 for 12 months = 12,000.
    assert c.other_interest == Decimal("12000.00")
    assert c.equivalent_declining_rate_percent is None
    assert c.difference == Decimal("5264.24")
