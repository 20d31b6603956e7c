"""Loan terms as a hand-written TERMS.json holds them (``wazi loan quote``): demo loan L-1001,
once as it is and once with every optional part. Shared by the parser's tests and its fuzzing."""

from __future__ import annotations

from typing import Any

L1001: dict[str, Any] = {
    "principal": "50000.00",
    "currency": "KES",
    "disbursement_date": "2026-09-01",
    "first_payment_date": "2026-10-01",
    "frequency": "monthly",
    "installments": 12,
    "interest_method": "declining_equal_installment",
    "rate": "24",
    "rate_period": "year",
    "fees": [
        {"name": "processing", "kind": "percent_of_principal", "amount": "2", "when": "deducted"},
        {
            "name": "credit life",
            "kind": "percent_of_principal",
            "amount": 1,
            "when": "deducted",
            "category": "insurance",
        },
    ],
}
FULL: dict[str, Any] = {
    **L1001,
    "taxes": {"interest_percent": "16", "fees_percent": "16"},
    "compulsory_savings": {"deposit_kind": "fixed", "deposit_amount": "1000"},
    "grace_periods": 1,
    "penalty": {"kind": "fixed", "grace_days": 2, "amount": "100", "cap": "300"},
    "prepayment": {"interest": "current_period", "fee_kind": "fixed", "fee_amount": 50},
    "installment_multiple": "50",
    "allocation_order": ["interest", "principal", "fees", "penalties"],
}
