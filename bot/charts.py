"""A loan's repayment schedule as a small PNG chart, for channels that can send pictures.

Each installment is a stacked bar of principal, interest and fees (per-installment fees and
insurance plus the tax on interest; compulsory savings are left out: they are the client's
money, paid back at the end). The balance still owed after each installment is a line on a
second axis. Every amount on the axes is formatted by ``bot.i18n.money`` for the locale, and
every word comes from ``labels``, already translated by the caller.

Drawn with matplotlib's Agg canvas on a ``Figure`` of its own (no pyplot, no global state), at
800 x 500 pixels, so a chart is a few tens of kilobytes and the same schedule always gives the
same bytes. Amounts become floats here only to be drawn: the labels are formatted from
``Decimal``.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Mapping
from decimal import Decimal

from babel import Locale
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from bot.i18n import money
from bot.loans.schedule import Schedule
from bot.money import minor_units

logger = logging.getLogger(__name__)

LABEL_KEYS = ("title", "installment", "amount", "balance", "principal", "interest", "fees")
WIDTH_PX, HEIGHT_PX, DPI = 800, 500, 100
COLOURS = {
    "principal": "#1f6f8b",
    "interest": "#e0a526",
    "fees": "#c8553d",
    "balance": "#2b2d42",
}


class MissingLabels(KeyError):
    """The caller's ``labels`` lack some of ``LABEL_KEYS``."""


def _money_formatter(currency: str, locale: Locale) -> FuncFormatter:
    def tick(value: float, _position: int | None) -> str:
        return money(Decimal(str(float(value))), currency, locale)

    return FuncFormatter(tick)


def schedule_chart(
    schedule: Schedule, locale: Locale, labels: Mapping[str, str], font: str | None = None
) -> bytes:
    """A PNG of the schedule: stacked bars per installment and the balance as a line.

    ``font`` names a font family to try first (for a script DejaVu Sans lacks, such as
    Devanagari); matplotlib falls back to DejaVu Sans for the characters it lacks.
    """
    families = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]
    with rc_context({"font.family": families}):
        figure = schedule_figure(schedule, locale, labels)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def schedule_figure(schedule: Schedule, locale: Locale, labels: Mapping[str, str]) -> Figure:
    """The chart as a matplotlib ``Figure`` on an Agg canvas (``schedule_chart`` saves it).

    ``labels`` holds the translated words for ``LABEL_KEYS``: the title, the two axis titles
    ("installment", "amount"), and the legend's "balance", "principal", "interest", "fees".
    """
    missing = [key for key in LABEL_KEYS if key not in labels]
    if missing:
        raise MissingLabels(f"labels missing: {', '.join(missing)}")
    currency = schedule.terms.currency
    rows = schedule.rows
    numbers = [row.number for row in rows]
    principal = [float(row.principal) for row in rows]
    interest = [float(row.interest) for row in rows]
    fees = [float(row.fees + row.tax) for row in rows]
    balance = [float(row.balance) for row in rows]

    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    bars = figure.add_subplot()
    line = bars.twinx()
    formatter = _money_formatter(currency, locale)

    bottom = [0.0] * len(rows)
    for key, heights in (("principal", principal), ("interest", interest), ("fees", fees)):
        if key != "principal" and not any(heights):
            continue  # no empty "fees" in the legend of a loan without fees
        bars.bar(numbers, heights, bottom=bottom, width=0.7, color=COLOURS[key], label=labels[key])
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    line.plot(
        numbers,
        balance,
        color=COLOURS["balance"],
        marker="o",
        markersize=3,
        linewidth=2,
        label=labels["balance"],
    )

    bars.set_title(labels["title"], fontsize=13)
    bars.set_xlabel(labels["installment"])
    bars.set_ylabel(labels["amount"])
    line.set_ylabel(labels["balance"])
    bars.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=12))
    bars.set_xlim(0.4, len(rows) + 0.6)
    whole = minor_units(currency) == 0  # no tick at 2.5 XOF
    for axis, top in ((bars, max(bottom)), (line, max(balance))):
        axis.set_ylim(0, max(top, 1.0) * 1.1)  # headroom above the tallest bar or point
        axis.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10], integer=whole))
        axis.yaxis.set_major_formatter(formatter)
        axis.tick_params(labelsize=8)
        axis.spines["top"].set_visible(False)
    bars.grid(axis="y", alpha=0.3)
    bars.set_axisbelow(True)

    handles = bars.get_legend_handles_labels()[0] + line.get_legend_handles_labels()[0]
    figure.legend(handles=handles, loc="outside lower center", ncols=4, frameon=False)
    return figure
