"""The schedule chart: a small, deterministic PNG that shows the schedule's own figures."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import subprocess
import sys
from decimal import Decimal

import pytest
from babel import Locale
from matplotlib.figure import Figure
from PIL import Image
from sqlalchemy import Engine, select

from bot.charts import LABEL_KEYS, MissingLabels, schedule_chart, schedule_figure
from bot.db.models import Loan
from bot.db.session import session_scope
from bot.i18n import money
from bot.loan_records import terms_for
from bot.loans.schedule import Schedule, build_schedule
from bot.loans.terms import (
    AmountKind,
    Charge,
    ChargeCategory,
    ChargeTiming,
    Frequency,
    InterestMethod,
    LoanTerms,
    RatePeriod,
)
from bot.settings import PROJECT_ROOT

TODAY = dt.date(2026, 11, 25)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DEMO_ACCOUNTS = ("L-1001", "L-2001", "L-3001", "L-4001", "L-5001", "L-5002")
LABELS = {
    "title": "Repayment schedule",
    "installment": "Installment",
    "amount": "Per installment",
    "balance": "Balance owed",
    "principal": "Principal",
    "interest": "Interest",
    "fees": "Fees",
}
FRENCH = {
    "title": "Votre échéancier",
    "installment": "Échéance",
    "amount": "Montant par échéance",
    "balance": "Solde restant dû",
    "principal": "Capital",
    "interest": "Intérêts",
    "fees": "Frais",
}


@pytest.fixture(scope="module")
def demo_schedules(demo_engine: Engine) -> dict[str, tuple]:
    """Each demo loan's schedule, from a freshly seeded demo database, with its locale."""
    with session_scope(demo_engine) as session:
        loans = session.scalars(select(Loan)).all()
        return {
            loan.account_no: (build_schedule(terms_for(loan)), Locale.parse(loan.client.locale))
            for loan in loans
        }


def _terms(currency: str, principal: str, **changes: object) -> LoanTerms:
    terms = LoanTerms(
        principal=Decimal(principal),
        currency=currency,
        disbursement_date=dt.date(2026, 7, 1),
        first_due_date=dt.date(2026, 7, 15),
        frequency=Frequency.FORTNIGHTLY,
        installments=24,
        interest_method=InterestMethod.DECLINING_EQUAL_INSTALLMENT,
        rate=Decimal(26),
        rate_period=RatePeriod.YEAR,
    )
    return dataclasses.replace(terms, **changes)


def _drawn(figure: Figure) -> Figure:
    figure.canvas.draw()
    return figure


def _tick_texts(axis) -> list[tuple[float, str]]:
    low, high = axis.get_ylim()
    return [
        (tick.get_loc(), tick.label1.get_text() or tick.label2.get_text())
        for tick in axis.yaxis.get_major_ticks()
        if low <= tick.get_loc() <= high
    ]


def _check_png(png: bytes) -> None:
    assert png.startswith(PNG_MAGIC)
    assert len(png) < 100_000
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        assert image.size == (800, 500)


def test_demo_database_has_the_loans_charted_here(demo_schedules: dict) -> None:
    assert sorted(demo_schedules) == sorted(DEMO_ACCOUNTS)


@pytest.mark.parametrize("account", DEMO_ACCOUNTS)
def test_each_demo_loan_charts_as_a_small_png(demo_schedules: dict, account: str) -> None:
    schedule, locale = demo_schedules[account]
    _check_png(schedule_chart(schedule, locale, LABELS))


@pytest.mark.parametrize("account", DEMO_ACCOUNTS)
def test_bars_and_line_are_the_schedules_own_figures(demo_schedules: dict, account: str) -> None:
    schedule: Schedule = demo_schedules[account][0]
    figure = schedule_figure(schedule, demo_schedules[account][1], LABELS)
    bars, line = figure.axes
    principal = [patch.get_height() for patch in bars.containers[0]]
    assert principal == [float(row.principal) for row in schedule.rows]
    assert [patch.get_x() + patch.get_width() / 2 for patch in bars.containers[0]] == [
        row.number for row in schedule.rows
    ]
    tops = [
        sum(container[i].get_height() for container in bars.containers)
        for i in range(len(schedule.rows))
    ]
    expected = [float(row.principal + row.interest + row.fees + row.tax) for row in schedule.rows]
    assert tops == pytest.approx(expected)
    (balance,) = line.get_lines()
    assert list(balance.get_ydata()) == [float(row.balance) for row in schedule.rows]
    assert balance.get_ydata()[-1] == 0


def test_words_come_from_the_labels(demo_schedules: dict) -> None:
    schedule, locale = demo_schedules["L-3001"]
    figure = _drawn(schedule_figure(schedule, locale, FRENCH))
    bars, line = figure.axes
    assert bars.get_title() == FRENCH["title"]
    assert bars.get_xlabel() == FRENCH["installment"]
    assert bars.get_ylabel() == FRENCH["amount"]
    assert line.get_ylabel() == FRENCH["balance"]
    (legend,) = figure.legends
    # L-3001 has no per-installment fees, so no empty "Frais" entry
    assert [text.get_text() for text in legend.get_texts()] == [
        "Capital",
        "Intérêts",
        "Solde restant dû",
    ]


def test_xof_ticks_are_whole_francs_in_french(demo_schedules: dict) -> None:
    schedule, locale = demo_schedules["L-3001"]
    assert schedule.terms.currency == "XOF" and str(locale) == "fr_SN"
    figure = _drawn(schedule_figure(schedule, locale, FRENCH))
    for axis in figure.axes:
        ticks = _tick_texts(axis)
        assert len(ticks) >= 3
        for loc, text in ticks:
            assert loc == int(loc)
            assert text == money(Decimal(int(loc)), "XOF", locale)
            assert text.endswith("F\N{NARROW NO-BREAK SPACE}CFA")
            assert "," not in text  # no decimals for a currency without minor units
    installment_ticks = [text for _, text in _tick_texts(figure.axes[0])]
    assert "50\N{NARROW NO-BREAK SPACE}000\N{NO-BREAK SPACE}F\N{NARROW NO-BREAK SPACE}CFA" in (
        installment_ticks
    )


@pytest.mark.parametrize("locale_name", ["en_IN", "hi_IN"])
def test_inr_ticks_are_rupees_with_paise(locale_name: str) -> None:
    locale = Locale.parse(locale_name)
    schedule = build_schedule(_terms("INR", "30000.00"))
    figure = _drawn(schedule_figure(schedule, locale, LABELS))
    balance_ticks = _tick_texts(figure.axes[1])
    assert balance_ticks[0][1] == "₹0.00"
    for loc, text in balance_ticks:
        assert text == money(Decimal(str(loc)), "INR", locale)
        assert text.startswith("₹") and text.endswith(".00")
    assert "₹30,000.00" in [text for _, text in balance_ticks]
    _check_png(schedule_chart(schedule, locale, LABELS))


def test_fees_and_tax_are_stacked_on_top() -> None:
    fee = Charge(
        "service fee",
        AmountKind.FIXED,
        Decimal(500),
        ChargeTiming.PER_INSTALLMENT,
        ChargeCategory.FEE,
        tax_percent=Decimal(16),
    )
    terms = _terms("UGX", "1000000", charges=(fee,), interest_tax_percent=Decimal(10))
    schedule = build_schedule(terms)
    figure = schedule_figure(schedule, Locale.parse("en_UG"), LABELS)
    bars = figure.axes[0]
    assert len(bars.containers) == 3
    fees = [patch.get_height() for patch in bars.containers[2]]
    assert fees == [float(row.fees + row.tax) for row in schedule.rows]
    assert fees[0] == 580 + float(schedule.rows[0].tax) and schedule.rows[0].tax > 0
    assert [t.get_text() for t in figure.legends[0].get_texts()][2] == "Fees"
    _check_png(schedule_chart(schedule, Locale.parse("en_UG"), LABELS))


def test_same_input_gives_the_same_bytes(demo_schedules: dict) -> None:
    schedule, locale = demo_schedules["L-1001"]
    first = schedule_chart(schedule, locale, LABELS)
    assert schedule_chart(schedule, locale, LABELS) == first
    assert schedule_chart(schedule, locale, FRENCH) != first
    other, _ = demo_schedules["L-2001"]
    assert schedule_chart(other, locale, LABELS) != first
    assert b"Software" not in first and b"matplotlib" not in first


def test_single_installment_loan() -> None:
    schedule = build_schedule(_terms("KES", "1000.00", installments=1, first_due_date=None))
    _check_png(schedule_chart(schedule, Locale.parse("sw_KE"), LABELS))


def test_missing_labels_are_named() -> None:
    schedule = build_schedule(_terms("KES", "1000.00"))
    labels = {k: v for k, v in LABELS.items() if k not in ("fees", "title")}
    with pytest.raises(MissingLabels, match="title, fees"):
        schedule_chart(schedule, Locale.parse("en"), labels)
    assert set(LABELS) == set(LABEL_KEYS)


def test_no_pyplot_and_no_global_state() -> None:
    """The chart never imports pyplot (which keeps figures alive in a global registry)."""
    code = (
        "import sys\n"
        "from decimal import Decimal\n"
        "from babel import Locale\n"
        "from bot.charts import LABEL_KEYS, schedule_chart\n"
        "from bot.loans.schedule import build_schedule\n"
        "from bot.loans.terms import Frequency, InterestMethod, LoanTerms, RatePeriod\n"
        "import datetime as dt\n"
        "terms = LoanTerms(Decimal('5000.00'), 'KES', dt.date(2026, 1, 1), None,\n"
        "    Frequency.MONTHLY, 6, InterestMethod.FLAT, Decimal(2), RatePeriod.MONTH)\n"
        "png = schedule_chart(build_schedule(terms), Locale('en'), {k: k for k in LABEL_KEYS})\n"
        "assert png.startswith(b'\\x89PNG'), png[:8]\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot was imported'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
