"""Every loan question answered with the engine's figures, in the client's language."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.i18n import day, money, reply_locale
from bot.loans.cost import loan_rates, totals
from bot.loans.whatif import payoff_on
from bot.replies import (
    BALANCE,
    CONTACT,
    FLAT_VS_DECLINING,
    LATE_COST,
    MAX_MESSAGE,
    NEXT_PAYMENT,
    OVERDUE,
    PAY_EXTRA,
    PAYMENTS,
    PAYOFF,
    QUESTIONS,
    SCHEDULE,
    TOTAL_COST,
    answer,
    mentioned_account,
)

TODAY = dt.date(2026, 11, 25)
AMINA, JUAN, AISSATOU, RAVI, GRACE = (
    "+254712000001",
    "+525512000002",
    "+221770000003",
    "+919812000004",
    "+256772000005",
)
LANGUAGE = {AMINA: "sw", JUAN: "es", AISSATOU: "fr", RAVI: "hi", GRACE: "en"}


@pytest.mark.parametrize("phone", [AMINA, JUAN, AISSATOU, RAVI])
@pytest.mark.parametrize("question", QUESTIONS)
def test_every_question_fits_a_phone_screen(loans_of, phone, question) -> None:
    reply = answer(
        question,
        loans_of(phone),
        language=LANGUAGE[phone],
        today=TODAY,
        text="what if I pay 5,000 extra 2 weeks late in March",
    )
    assert reply.text
    assert len(reply.text) <= MAX_MESSAGE


def test_next_payment_in_swahili_with_the_engines_figures(loans_of) -> None:
    loans = loans_of(AMINA)
    (view,) = loans.loans
    locale = reply_locale("sw", loans.locale)
    text = answer(NEXT_PAYMENT, loans, language="sw", today=TODAY).text
    upcoming = view.standing.next_due
    assert money(upcoming.remaining, "KES", locale) in text  # Ksh 4,727.98
    assert day(upcoming.due_date, locale) in text  # 1 Desemba 2026
    assert "Mkopo L-1001" in text


def test_overdue_l5001_shows_days_late_and_the_late_fee(loans_of) -> None:
    loans = loans_of(GRACE)
    text = answer(OVERDUE, loans, language="en", today=TODAY, loan_account="L-5001").text
    # Installment 5 (130,000) due 2026-11-20 is 5 days late; the 5% late fee is 6,500.
    assert "Installment 5" in text and "5 days late" in text
    assert "UGX\xa06,500" in text or "USh\xa06,500" in text or "6,500" in text
    assert "136,500" in text  # due today
    assert "1 installment overdue, since" in text  # one installment: the singular form


@pytest.mark.parametrize(
    ("language", "singular"),
    [
        ("fr", "1 échéance en retard"),
        ("es", "1 pago atrasado"),
        ("sw", "rejesho 1 limechelewa"),
        ("hi", "1 किस्त में देरी"),
    ],
)
def test_one_overdue_installment_is_said_in_the_singular(loans_of, language, singular) -> None:
    loans = loans_of(GRACE)
    text = answer(OVERDUE, loans, language=language, today=TODAY, loan_account="L-5001").text
    assert singular in text


def test_a_client_with_two_loans_is_asked_which(loans_of) -> None:
    loans = loans_of(GRACE)
    reply = answer(BALANCE, loans, language="en", today=TODAY)
    assert reply.asked_which_loan
    assert [b.payload for b in reply.buttons] == [
        '/choose_loan{"loan_account": "L-5001"}',
        '/choose_loan{"loan_account": "L-5002"}',
    ]
    named = answer(BALANCE, loans, language="en", today=TODAY, text="balance of l-5002 please")
    assert named.loan_account == "L-5002" and not named.asked_which_loan
    assert mentioned_account("what about L-9999", loans) is None


def test_schedule_is_paged(loans_of) -> None:
    loans = loans_of(RAVI)  # 24 installments: 4 pages of 6
    first = answer(SCHEDULE, loans, language="hi", today=TODAY)
    assert first.buttons and first.buttons[0].payload == '/ask_schedule{"schedule_page": "2"}'
    last = answer(SCHEDULE, loans, language="hi", today=TODAY, page=4)
    assert not last.buttons
    assert "24." in last.text


def test_payments_made_with_the_late_fee(loans_of) -> None:
    text = answer(PAYMENTS, loans_of(RAVI), language="en", today=TODAY).text
    assert "10 payments" in text


def test_total_cost_states_apr_and_eir(loans_of) -> None:
    loans = loans_of(AMINA)
    (view,) = loans.loans
    rates = loan_rates(view.schedule)
    text = answer(TOTAL_COST, loans, language="en", today=TODAY).text
    assert "29.99%" in text and "34.48%" in text  # APR and EIR of L-1001
    assert str(rates.apr_percent).startswith("29.99")
    assert money(totals(view.schedule).cost_of_credit, "KES", reply_locale("en", "sw_KE")) in text


def test_payoff_in_march_and_its_saving(loans_of) -> None:
    loans = loans_of(AMINA)
    (view,) = loans.loans
    text = answer(PAYOFF, loans, language="en", today=TODAY, text="pay off in March").text
    quote = payoff_on(
        view.schedule, view.engine_payments(), TODAY.replace(year=2027, month=3, day=31)
    )
    assert money(quote.payoff.amount, "KES", reply_locale("en", "sw_KE")) in text
    assert "31 March 2027" in text


def test_what_ifs(loans_of) -> None:
    late = answer(
        LATE_COST, loans_of(RAVI), language="en", today=TODAY, text="what if I pay 2 weeks late"
    ).text
    assert "100.00" in late  # L-4001's fixed late fee
    extra = answer(
        PAY_EXTRA, loans_of(AMINA), language="en", today=TODAY, text="what if I pay 5,000 extra"
    ).text
    assert "9 installments instead of 10" in extra
    ask = answer(PAY_EXTRA, loans_of(AMINA), language="en", today=TODAY, text="pay extra").text
    assert "How much extra" in ask


def test_flat_vs_declining_with_own_numbers(loans_of) -> None:
    text = answer(
        FLAT_VS_DECLINING, loans_of(GRACE), language="en", today=TODAY, loan_account="L-5001"
    ).text
    assert "300,000" in text and "5.08%" in text


def test_contact_from_the_clients_record(loans_of) -> None:
    loans = loans_of(JUAN)
    text = answer(CONTACT, loans, language="es", today=TODAY).text
    assert loans.contact.officer_name in text
    assert loans.contact.branch_name in text
