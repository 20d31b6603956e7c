"""The total cost of a loan, its APR and effective rate, and flat versus declining."""

from __future__ import annotations

from babel import Locale

from bot.i18n import money, percent, translations_for
from bot.loan_answers import LoanView
from bot.loans.compare import compare_methods
from bot.loans.cost import loan_rates, totals
from bot.loans.rates import NoRateError
from bot.loans.terms import InterestMethod


def total_cost(view: LoanView, locale: Locale) -> str:
    _ = translations_for(locale.language).gettext
    cur, schedule = view.currency, view.schedule
    t = totals(schedule)
    lines = [
        _(
            "Loan %(loan)s: you received %(received)s. Over the whole loan you pay "
            "%(interest)s of interest, %(fees)s of fees and %(insurance)s of insurance: "
            "%(cost)s in all on top of the principal."
        )
        % {
            "loan": view.account_no,
            "received": money(t.net_received, cur, locale),
            "interest": money(t.interest + t.taxes_on_interest, cur, locale),
            "fees": money(t.fees, cur, locale),
            "insurance": money(t.insurance, cur, locale),
            "cost": money(t.cost_of_credit, cur, locale),
        }
    ]
    try:
        rates = loan_rates(schedule)
    except NoRateError:
        return "\n".join(lines)
    nominal = schedule.periodic_rate * 100 * schedule.terms.frequency.periods_per_year
    lines.append(
        _(
            "APR %(apr)s and effective annual rate %(eir)s, against the advertised %(nominal)s "
            "a year."
        )
        % {
            "apr": percent(rates.apr_percent, locale),
            "eir": percent(rates.eir_percent, locale),
            "nominal": percent(nominal, locale),
        }
    )
    lines.append(
        _(
            "The APR is the yearly cost of all you pay, interest and fees, on the money you "
            "really had; the effective rate also counts interest on interest. They are higher "
            "than the advertised rate because of the fees and the way interest is charged."
        )
    )
    return "\n".join(lines)


def flat_vs_declining(view: LoanView, locale: Locale) -> str:
    _ = translations_for(locale.language).gettext
    cur = view.currency
    c = compare_methods(view.schedule)
    values = {
        "loan": view.account_no,
        "rate": percent(c.nominal_rate_percent, locale),
        "interest": money(c.interest, cur, locale),
        "other": money(c.other_interest, cur, locale),
        "difference": money(c.difference, cur, locale),
    }
    if c.method is InterestMethod.FLAT:
        text = (
            _(
                "Loan %(loan)s charges a flat %(rate)s per installment on the full amount "
                "borrowed, even as you pay it back: %(interest)s of interest in all. At the same "
                "rate on the declining balance (only on what you still owe) it would be %(other)s, "
                "%(difference)s less."
            )
            % values
        )
        if c.equivalent_declining_rate_percent is not None:
            text += " " + _(
                "Your flat rate is the same as %(real)s per installment on the declining balance."
            ) % {"real": percent(c.equivalent_declining_rate_percent, locale)}
        return text
    return (
        _(
            "Loan %(loan)s charges %(rate)s per installment on the declining balance: only on "
            "what you still owe, so %(interest)s of interest in all. The same rate charged flat, "
            "on the full amount every time, would cost %(other)s, %(difference)s more."
        )
        % values
    )
