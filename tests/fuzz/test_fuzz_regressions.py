"""The crashes the fuzz tests found, each with the exact input, kept as plain tests: each
parser now answers with its own error (or a 4xx, or a problem), as its contract says."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from telegram import Update

from bot.channels.telegram_format import command_of
from bot.channels.whatsapp_format import WebhookError, parse_webhook
from bot.fineract.mapping import (
    FineractDataError,
    client_record,
    loan_record,
    payment_records,
)
from bot.lessons.files import read_file
from bot.loans.terms_json import InputError, terms_from_json
from bot.parsing import parse_duration_days
from bot.settings import PROJECT_ROOT
from tests.fuzz.conftest import post_update

FIXTURES = PROJECT_ROOT / "tests" / "fixtures"
LESSON = PROJECT_ROOT / "locales" / "lessons" / "what-is-interest" / "en.yml"


def sample(path: str) -> Any:
    return json.loads((FIXTURES / path).read_text(encoding="utf-8"), parse_float=Decimal)


# --- WhatsApp ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "timestamp",
    [
        "1000000000000",  # was ValueError: year 33658 is out of range
        "100000000000000000",  # was OSError: [Errno 75] Value too large for defined data type
        "9" * 30,  # was OverflowError: timestamp out of range for platform time_t
        "9" * 5000,  # was ValueError: Exceeds the limit (4300 digits) for integer string
    ],
)
def test_a_whatsapp_timestamp_beyond_datetime_is_a_webhook_error(timestamp: str) -> None:
    payload = sample("whatsapp/webhook_interactive_button_reply.json")
    payload["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] = timestamp
    with pytest.raises(WebhookError, match=r"messages\[0\]\.timestamp must be Unix seconds"):
        parse_webhook(payload)


def test_the_largest_whatsapp_timestamp_that_fits_is_still_read() -> None:
    payload = sample("whatsapp/webhook_message_text.json")
    payload["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] = "99999999999"
    assert parse_webhook(payload).messages[0].timestamp.year == 5138


# --- Telegram ----------------------------------------------------------------------------------


def test_a_telegram_update_dated_beyond_datetime_is_answered_400(telegram_app: Flask) -> None:
    # was OverflowError: timestamp out of range for platform time_t (a 500)
    update = sample("telegram/update_message_contact_other_person.json")
    update["message"]["date"] = 9_223_372_036_854_775_808
    assert post_update(telegram_app, json.dumps(update).encode()) == 400


@pytest.mark.parametrize("body", [b"[" * 20_000, b'{"a":' * 10_000])
def test_telegram_json_nested_absurdly_deep_is_answered_400(
    telegram_app: Flask, body: bytes
) -> None:
    # was RecursionError from request.get_json(silent=True): silent covers only ValueError
    assert post_update(telegram_app, body) == 400


def test_a_command_entity_that_ends_inside_an_emoji_is_no_command() -> None:
    # was UnicodeDecodeError: 'utf-16-le' codec can't decode bytes in position 0-1
    update = sample("telegram/update_message_start_command.json")
    update["message"]["text"] = "💰"
    update["message"]["entities"] = [{"offset": 0, "length": 1, "type": "bot_command"}]
    assert command_of(Update.de_json(update, None)) is None


# --- Lesson files ------------------------------------------------------------------------------


def read_lesson(lesson_path: Path, text: str) -> list[str]:
    lesson_path.write_text(text, encoding="utf-8")
    lesson, problems = read_file(lesson_path, "en.yml")
    assert lesson is None and problems
    return [f"{p.field}: {p.message}" for p in problems]


def test_a_lesson_position_in_superscript_digits_is_a_problem(lesson_path: Path) -> None:
    # was ValueError: invalid literal for int() with base 10: '²' ("²".isdigit() is True)
    text = LESSON.read_text(encoding="utf-8").replace("position: 1\n", "position: ²\n")
    assert "position: a whole number from 1" in read_lesson(lesson_path, text)


def test_a_lesson_position_of_thousands_of_digits_is_a_problem(lesson_path: Path) -> None:
    # was ValueError: Exceeds the limit (4300 digits) for integer string conversion
    text = LESSON.read_text(encoding="utf-8").replace("position: 1\n", f"position: {'1' * 5000}\n")
    assert "position: a whole number from 1" in read_lesson(lesson_path, text)


def test_a_lesson_alias_that_contains_itself_is_a_problem(lesson_path: Path) -> None:
    # was RecursionError in _tree
    [problem] = read_lesson(lesson_path, "quiz: &q [*q]\n")
    assert problem.startswith("file: not valid YAML: an alias")


def test_a_lesson_file_of_exponential_aliases_is_a_problem_at_once(lesson_path: Path) -> None:
    # was a hang: ten levels of ten aliases each make 10**9 nodes
    lines = ["a0: &a0 x"]
    for level in range(1, 10):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 10)}]")
    [problem] = read_lesson(lesson_path, "\n".join(lines))
    assert problem.startswith("file: not valid YAML: an alias")


def test_lesson_yaml_nested_absurdly_deep_is_a_problem(lesson_path: Path) -> None:
    # was RecursionError in yaml.compose
    assert read_lesson(lesson_path, "messages: " + "[" * 5000 + "]" * 5000) == [
        "file: nested too deeply"
    ]


def test_a_lesson_amount_beyond_a_decimal_is_a_problem(lesson_path: Path) -> None:
    # was decimal.InvalidOperation from render
    huge = "{money:1" + "0" * 40 + "}"
    text = LESSON.read_text(encoding="utf-8").replace("{money:", huge + " {money:", 1)
    problems = read_lesson(lesson_path, text)
    assert any("an amount in {money:N} too large to write out" in p for p in problems)


# --- Loan terms --------------------------------------------------------------------------------


def test_a_principal_beyond_a_decimal_is_an_input_error() -> None:
    # was decimal.InvalidOperation from validate's rounding
    terms = {
        "principal": "1e30",
        "currency": "KES",
        "disbursement_date": "2026-09-01",
        "frequency": "monthly",
        "installments": 12,
        "interest_method": "declining_equal_installment",
        "rate": "24",
        "rate_period": "year",
    }
    with pytest.raises(InputError, match="too large") as error:
        terms_from_json(terms)
    assert error.value.field == "principal"


# --- Fineract ----------------------------------------------------------------------------------

PRODUCT_3 = {
    "id": 3,
    "interestRecalculationData": {"preClosureInterestCalculationStrategy": {"id": 2}},
}


@pytest.mark.parametrize(
    ("change", "field", "was"),
    [
        ({"currency": {"code": [], "decimalPlaces": 2}}, "currency.code", "TypeError"),
        ({"timeline": [1]}, "timeline", "AttributeError"),
        (
            {"timeline": {"actualDisbursementDate": [10**20, 1, 1]}},
            "timeline.actualDisbursementDate",
            "OverflowError",
        ),
        ({"summary": [1], "charges": None}, "summary", "AttributeError"),
        ({"interestRecalculationData": [1]}, "interestRecalculationData", "AttributeError"),
        (
            {"transactionProcessingStrategyCode": []},
            "transactionProcessingStrategyCode",
            "TypeError",
        ),
        (
            {"principal": Decimal("1E+40")},
            "principal",
            "mapped; an amount this size then broke rounding",
        ),
        (
            {"transactions": [{"type": {"repayment": True}, "amount": Decimal("1E+40")}]},
            "transactions[0].amount",
            "decimal.InvalidOperation",
        ),
    ],
)
def test_a_loan_field_of_another_shape_is_a_fineract_data_error(
    change: dict[str, Any], field: str, was: str
) -> None:
    loan = {**sample("fineract/loan_with_associations.json"), **change}
    with pytest.raises(FineractDataError) as error:
        loan_record(loan, PRODUCT_3)
    assert error.value.field == field, was


def test_a_product_recalculation_of_another_shape_is_a_fineract_data_error() -> None:
    # was AttributeError: 'str' object has no attribute 'get'
    loan = sample("fineract/loan_with_associations.json")
    del loan["interestRecalculationData"]
    with pytest.raises(FineractDataError) as error:
        loan_record(loan, {"id": 3, "interestRecalculationData": "x"})
    assert error.value.field == "product.interestRecalculationData"


@pytest.mark.parametrize("body", [[1], "x", None])
def test_a_body_that_is_not_an_object_is_a_fineract_data_error(body: Any) -> None:
    # was AttributeError: ... object has no attribute 'get'
    for read, field in ((client_record, "client"), (loan_record, "loan")):
        with pytest.raises(FineractDataError) as error:
            read(copy.deepcopy(body), PRODUCT_3) if read is loan_record else read(body)
        assert error.value.field == field
    with pytest.raises(FineractDataError, match="Fineract loan: expected a JSON object"):
        payment_records(body)


# --- What clients type -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "9" * 5000 + " weeks",  # was ValueError: Exceeds the limit (4300 digits)
        "weeks " + "9" * 5000,
        "10000 days",
    ],
)
def test_a_delay_of_no_usable_number_is_none(text: str) -> None:
    assert parse_duration_days(text) is None


def test_a_digit_that_is_no_decimal_is_a_word_like_a_in_a_week() -> None:
    # was ValueError: int() refuses a Kharoshthi digit, though "\U00010a40".isdigit()
    assert parse_duration_days("\U00010a40 weeks") == 7


def test_a_delay_in_devanagari_digits_still_counts() -> None:
    assert parse_duration_days("१२ weeks") == 84
    assert parse_duration_days("9999 days") == 9999
