"""Fineract's real response shapes (tests/fixtures/fineract) mapped to Wazi values."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from bot.fineract.mapping import (
    FineractDataError,
    FineractLoanStatus,
    MappingPolicy,
    charge,
    client_record,
    differences,
    fineract_schedule,
    loan_record,
    loan_terms,
    parse_date,
    payment_records,
)
from bot.loan_answers import PaymentRecord
from bot.loans.schedule import build_schedule
from bot.loans.terms import (
    AmountKind,
    Charge,
    ChargeCategory,
    ChargeTiming,
    Frequency,
    InterestMethod,
    LoanTerms,
    PenaltyKind,
    PrepaymentInterest,
    RatePeriod,
)
from bot.money import minor_units
from tests.fineract.fake_fineract import fixture

# Loan 29's product (id 3, "For Preclose- Calculate till rest frequency date") is not among
# the samples; its name says the pre-closure strategy, id 2 in Fineract.
PRODUCT_3: dict[str, Any] = {
    "id": 3,
    "name": "For Preclose- Calculate till rest frequency date",
    "interestRecalculationData": {
        "preClosureInterestCalculationStrategy": {
            "id": 2,
            "code": "loanPreClosureInterestCalculationStrategy.tillRestFrequencyDate",
            "value": "Till Rest Frequency Date",
        }
    },
}
PRODUCT_1: dict[str, Any] = {"id": 1, "name": "Kampala Product (with cash accounting)"}


def kampala_loan() -> dict[str, Any]:
    """The apiLive loan 1 without its recurring penalty, with the installment fee its summary
    implies (feeChargesCharged 18000 over 12 installments), read with associations=charges
    and transactions (none: its summary says totalRepayment 0)."""
    loan = fixture("loan_retrieve_apidoc.json")
    loan["transactions"] = []
    del loan["summary"]["overdueCharges"]
    loan["charges"] = [
        {
            "id": 5,
            "chargeId": 4,
            "name": "Installment fee",
            "chargeTimeType": {"id": 8, "code": "chargeTimeType.instalmentFee", "value": "Fee"},
            "chargeCalculationType": {"id": 1, "code": "chargeCalculationType.flat"},
            "percentage": 0,
            "amount": 1500,
            "penalty": False,
        }
    ]
    return loan


def test_the_captured_declining_loan_maps_to_terms_whose_schedule_matches_fineracts() -> None:
    loan = fixture("loan_with_associations.json")
    record = loan_record(loan, PRODUCT_3)
    assert record.terms == LoanTerms(
        principal=Decimal(10000),
        currency="USD",
        disbursement_date=dt.date(2016, 10, 3),
        first_due_date=dt.date(2016, 11, 3),  # the schedule's first installment
        frequency=Frequency.MONTHLY,
        installments=12,
        interest_method=InterestMethod.DECLINING_EQUAL_INSTALLMENT,
        rate=Decimal(1),
        rate_period=RatePeriod.MONTH,
        prepayment=record.terms.prepayment,
    )
    assert record.terms.prepayment.interest is PrepaymentInterest.CURRENT_PERIOD
    assert record.status is FineractLoanStatus.ACTIVE
    assert record.currency.decimal_places == 2
    assert record.payments == ()  # a disbursement and an accrual, no repayment
    schedule = record.schedule
    assert schedule is not None
    assert schedule.disbursement_date == dt.date(2016, 10, 3)
    assert schedule.principal_disbursed == Decimal("10000.00")
    assert [i.number for i in schedule.installments] == [1]
    # The sample was trimmed to period 1, which the engine computes to the cent.
    assert differences(schedule, build_schedule(record.terms)) == [
        "installments: 1 in Fineract, 12 in Wazi"
    ]


def test_interest_recalculation_without_its_pre_closure_strategy_is_refused() -> None:
    with pytest.raises(FineractDataError) as error:
        loan_terms(fixture("loan_with_associations.json"), {"id": 3})
    assert error.value.field == "interestRecalculationData.preClosureInterestCalculationStrategy"


def test_the_product_must_be_the_loans_own() -> None:
    with pytest.raises(FineractDataError, match="product.id"):
        loan_terms(fixture("loan_with_associations.json"), PRODUCT_1)


def test_the_documented_flat_loan_keeps_fineracts_decimal_places_and_its_fee() -> None:
    record = loan_record(kampala_loan(), PRODUCT_1)
    terms = record.terms
    assert terms.interest_method is InterestMethod.FLAT
    assert (terms.rate, terms.rate_period) == (Decimal(24), RatePeriod.YEAR)
    assert terms.disbursement_date == dt.date(2012, 4, 10)
    assert terms.first_due_date is None  # no schedule, no expectedFirstRepaymentOnDate
    assert terms.charges == (
        Charge("Installment fee", AmountKind.FIXED, Decimal(1500), ChargeTiming.PER_INSTALLMENT),
    )
    assert terms.prepayment.interest is PrepaymentInterest.CURRENT_PERIOD  # the policy default
    # Fineract keeps UGX with 2 decimals here; ISO 4217 (the engine's rounding) has none.
    assert record.currency.decimal_places == 2
    assert minor_units("UGX") == 0
    schedule = build_schedule(terms)
    assert sum(r.interest for r in schedule.rows) == Decimal(240000)  # summary.interestCharged
    assert sum(r.fees for r in schedule.rows) == Decimal(18000)  # summary.feeChargesCharged


def test_a_recurring_overdue_penalty_is_refused_by_name() -> None:
    loan = kampala_loan()
    loan["summary"]["overdueCharges"] = fixture("loan_retrieve_apidoc.json")["summary"][
        "overdueCharges"
    ]
    with pytest.raises(FineractDataError) as error:
        loan_terms(loan, PRODUCT_1)
    assert error.value.field == "summary.overdueCharges[0].feeFrequency"


def test_a_one_off_overdue_penalty_is_the_penalty_rule_with_the_arrears_grace() -> None:
    loan = kampala_loan()
    penalty = copy.deepcopy(fixture("loan_retrieve_apidoc.json")["summary"]["overdueCharges"][0])
    del penalty["feeFrequency"], penalty["feeInterval"]
    loan["overdueCharges"] = [penalty]
    loan["graceOnArrearsAgeing"] = 3
    rule = loan_terms(loan, PRODUCT_1).penalty
    assert (rule.kind, rule.amount, rule.grace_days) == (
        PenaltyKind.PERCENT_OF_INSTALLMENT,
        Decimal(3),
        3,
    )


def test_fees_in_the_summary_without_the_charges_association_are_refused() -> None:
    loan = kampala_loan()
    del loan["charges"]
    with pytest.raises(FineractDataError) as error:
        loan_terms(loan, PRODUCT_1)
    assert error.value.field == "charges"


def test_loan_charges_map_by_time_and_calculation_and_unsupported_ones_are_named() -> None:
    flat, on_a_date = fixture("loan_charges_apidoc.json")
    assert charge(flat, "charges[0]", MappingPolicy()) == Charge(
        "Loan Processing fee", AmountKind.FIXED, Decimal(100), ChargeTiming.UPFRONT
    )
    with pytest.raises(FineractDataError) as error:
        charge(on_a_date, "charges[1]", MappingPolicy())
    assert error.value.field == "charges[1].chargeTimeType"


def test_the_policy_says_which_disbursement_charges_are_withheld_or_insurance() -> None:
    definition = fixture("loan_product_with_charges.json")["charges"][0]
    with pytest.raises(FineractDataError, match=r"charges\[0\].taxGroup"):
        charge(definition, "charges[0]", MappingPolicy())
    del definition["taxGroup"]
    policy = MappingPolicy(insurance_charge_ids=frozenset({139}), deducted_charge_ids={139})
    assert charge(definition, "charges[0]", policy) == Charge(
        "client test charge",
        AmountKind.FIXED,
        Decimal(1000),
        ChargeTiming.DEDUCTED,
        ChargeCategory.INSURANCE,
    )


def test_a_percent_charge_reads_the_percentage_not_the_amount_charged() -> None:
    flat = fixture("loan_charges_apidoc.json")[0]
    flat["chargeCalculationType"] = {"id": 2, "code": "chargeCalculationType.percent.of.amount"}
    flat["percentage"], flat["amount"] = Decimal(2), Decimal(200)
    mapped = charge(flat, "charges[0]", MappingPolicy())
    assert mapped is not None
    assert (mapped.kind, mapped.amount) == (AmountKind.PERCENT_OF_PRINCIPAL, Decimal(2))


def test_the_documented_schedule_differs_from_the_engines_where_fineract_moved_a_date() -> None:
    schedule = fineract_schedule(fixture("loan_schedule_12_periods_apidoc.json"))
    assert len(schedule.installments) == 12
    assert schedule.disbursement_date is None  # a preview without the disbursement row
    fourth = schedule.installments[3]
    assert (fourth.from_date, fourth.due_date) == (dt.date(2016, 2, 1), dt.date(2016, 3, 5))
    assert fourth.total == Decimal("939.54")
    terms = LoanTerms(
        principal=Decimal(10000),
        currency="USD",
        disbursement_date=dt.date(2015, 11, 1),
        first_due_date=dt.date(2015, 12, 1),
        frequency=Frequency.MONTHLY,
        installments=12,
        interest_method=InterestMethod.DECLINING_EQUAL_INSTALLMENT,
        rate=Decimal(2),
        rate_period=RatePeriod.MONTH,
    )
    found = differences(schedule, build_schedule(terms))
    assert "installment 4: due 2016-03-05 in Fineract, 2016-03-01 in Wazi" in found
    assert not any(line.startswith("installment 1:") for line in found)  # 945.60 in both
    assert any(line.startswith("installment 2: 1000.00 in Fineract") for line in found)


def test_a_schedule_in_a_currency_without_decimals_is_compared_in_whole_units() -> None:
    schedule = fineract_schedule(fixture("loan_reschedule_preview_elided_apidoc.json"))
    assert schedule.currency.decimal_places == 0
    assert schedule.currency.in_multiples_of == 10
    assert [i.number for i in schedule.installments] == [1, 30]
    assert schedule.installments[1].total == Decimal(430)
    assert str(schedule.installments[1].total) == "430"


def test_the_captured_client_maps_with_its_mobile_in_e164() -> None:
    client = client_record(fixture("client.json"))
    assert client.mobile == "+254700000001"
    assert client.date_of_birth == dt.date(2017, 4, 1)
    assert client.external_id == "DEMO-ID-0001"
    assert (client.office_id, client.office_name) == (1, "Head Office")
    assert client.display_name == "Test Client One"
    assert client.active


def test_a_client_without_mobile_or_birth_date_maps_them_to_none() -> None:
    client = client_record(fixture("client_apidoc.json"))
    assert (client.id, client.mobile, client.date_of_birth) == (27, None, None)


def test_a_national_mobile_number_needs_the_institutions_region() -> None:
    data = fixture("client.json")
    data["mobileNo"] = "0712 000 001"
    with pytest.raises(FineractDataError) as error:
        client_record(data)
    assert error.value.field == "mobileNo"
    assert "0712" not in str(error.value)  # no personal data in the message
    assert client_record(data, default_region="KE").mobile == "+254712000001"


def test_repayments_keep_their_portions_and_reversed_ones_are_left_out() -> None:
    repayment = fixture("loan_transaction_with_charge_paid_apidoc.json")
    reversed_one = {**copy.deepcopy(repayment), "id": 4, "manuallyReversed": True}
    loan = {"currency": repayment["currency"], "transactions": [reversed_one, repayment]}
    assert payment_records(loan) == (
        PaymentRecord(
            paid_on=dt.date(2012, 5, 14),
            amount=Decimal("559.88"),
            principal=Decimal("0.00"),
            interest=Decimal("559.88"),
            fees=Decimal("0.00"),
            penalties=Decimal("0.00"),
        ),
    )
    repayment["principalPortion"] = Decimal(1)
    with pytest.raises(FineractDataError, match=r"transactions\[0\].amount: the portions"):
        payment_records({"currency": repayment["currency"], "transactions": [repayment]})


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"repaymentEvery": 2}, "repaymentEvery"),
        ({"interestRateFrequencyType": {"id": 0}}, "interestRateFrequencyType.id"),
        ({"interestType": {"id": 7}}, "interestType.id"),
        ({"status": {"id": 301}}, "status.id"),
        ({"graceOnInterestPayment": 1}, "graceOnInterestPayment"),
        ({"currency": {"code": "XXY", "decimalPlaces": 2}}, "currency.code"),
        ({"transactionProcessingStrategyId": 4}, "transactionProcessingStrategyId"),
        (
            {"timeline": {"actualDisbursementDate": [2016, 2, 30]}},
            "timeline.actualDisbursementDate",
        ),
    ],
)
def test_unsupported_values_are_refused_naming_the_field(
    change: dict[str, Any], field: str
) -> None:
    loan = {**fixture("loan_with_associations.json"), **change}
    with pytest.raises(FineractDataError) as error:
        loan_record(loan, PRODUCT_3)
    assert error.value.field == field


@pytest.mark.parametrize("value", ["2016-10-03", [2016, 10], [2016, "10", 3], None])
def test_dates_must_be_fineracts_triples(value: object) -> None:
    with pytest.raises(FineractDataError, match="dueDate"):
        parse_date(value, "dueDate")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"transactions": [7]}, "transactions[0]"),
        ({"transactions": {}}, "transactions"),
        (
            {
                "repaymentSchedule": {
                    "currency": {"code": "USD", "decimalPlaces": 2},
                    "periods": [1],
                }
            },
            "repaymentSchedule.periods[0]",
        ),
        ({"charges": ["fee"]}, "charges[0]"),
    ],
)
def test_a_body_of_the_wrong_shape_is_refused_naming_the_field(
    change: dict[str, Any], field: str
) -> None:
    loan = {**fixture("loan_with_associations.json"), **change}
    with pytest.raises(FineractDataError) as error:
        loan_record(loan, PRODUCT_3)
    assert error.value.field == field
