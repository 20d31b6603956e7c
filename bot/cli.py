"""The ``wazi`` command line: database migrations, demo data, settings, the Fineract check.

Every command first reads the settings and checks that the database answers, so a bad
setting ends the command with one line ``wazi: error: <message>`` and exit status 2.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import logging
import secrets
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

import click
from babel import Locale
from sqlalchemy import Engine, func, make_url, select

from bot import demo, link_codes, retention, settings, staff
from bot.complaints import store as complaint_store
from bot.complaints.spool import spool_in
from bot.db.migrate import current_revision, upgrade
from bot.db.models import Loan, StaffRole, StaffUser
from bot.db.session import check_connection, make_engine, session_scope
from bot.demo_complaints import seed_complaints
from bot.fineract.client import FineractClient, FineractError, FineractNotFound, FineractRefused
from bot.fineract.mapping import (
    FineractDataError,
    FineractLoanStatus,
    loan_record,
)
from bot.i18n import money
from bot.lessons import store as lesson_store
from bot.lessons.files import read_tree, write_tree
from bot.loan_source import (
    FineractLoans,
    LoanSourceUnavailable,
    fineract_client,
    fineract_policy,
)
from bot.loans.flows_json import rates_as_json, rates_from_flows_json
from bot.loans.quote import quote, quote_as_json, render_table
from bot.loans.rates import NoRateError
from bot.loans.schedule import InvalidTerms
from bot.loans.terms_json import InputError, payments_from_json, terms_from_json
from bot.loans.terms_json import date as parse_date
from bot.settings import PROJECT_ROOT, SettingError, Settings

logger = logging.getLogger(__name__)

EXIT_BAD_SETTING = 2
EXIT_UNAVAILABLE = 1
LOANS_PAGE = 200
LOANS_SCANNED = 5000  # wazi fineract check counts at most this many loans
SAMPLES = 5  # and tries at most this many active loans for its sample
LESSONS_DIR = PROJECT_ROOT / "locales" / "lessons"

P = ParamSpec("P")
R = TypeVar("R")


@dataclasses.dataclass(frozen=True)
class Context:
    settings: Settings
    engine: Engine


def connected(command: Callable[Concatenate[Context, P], R]) -> Callable[P, R]:
    """Run ``command`` with the settings loaded and the database known to answer."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        config = settings.load()
        logging.basicConfig(level=config.log_level, format="%(levelname)s %(name)s: %(message)s")
        logging.getLogger("alembic").setLevel(logging.WARNING)
        engine = make_engine(config.database_url)
        try:
            check_connection(engine)
            return command(Context(config, engine), *args, **kwargs)
        finally:
            engine.dispose()

    return wrapper


@click.group()
def cli() -> None:
    """Run Wazi's maintenance tasks."""


@cli.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
@connected
def db_upgrade(obj: Context) -> None:
    """Apply every pending migration."""
    upgrade(obj.settings.database_url)
    click.echo(f"database schema at revision {current_revision(obj.engine)}")


@db.command("check")
@connected
def db_check(obj: Context) -> None:
    """Check that the database answers (exit status 0 when it does)."""
    revision = current_revision(obj.engine) or "none: run `wazi db upgrade`"
    click.echo(f"database reachable: {_safe_url(obj.settings.database_url)} (revision {revision})")


@cli.group("demo")
def demo_group() -> None:
    """Demo data."""


@demo_group.command("seed")
@connected
def demo_seed(obj: Context) -> None:
    """Migrate, then load the demo clients, loans and repayments, the shipped lessons and the
    demo complaints (idempotent)."""
    lessons, problems = read_tree(LESSONS_DIR)
    if problems:
        raise click.ClickException(
            f"the shipped lessons have {len(problems)} problems; run `wazi lessons validate`"
        )
    upgrade(obj.settings.database_url)
    today = obj.settings.today()
    with session_scope(obj.engine) as session:
        result = demo.seed(session, today, admin_password=obj.settings.admin_password)
        imported = lesson_store.import_lessons(session, lessons)
        complaints = seed_complaints(session, today, obj.settings.complaint_policy())
        made = {}
        for role in (StaffRole.STAFF, StaffRole.TRAINER):
            if not session.scalars(
                select(StaffUser).where(StaffUser.username == role.value)
            ).first():
                made[role.value] = secrets.token_urlsafe(12)
                staff.add(session, role.value, made[role.value], role, f"Demo {role.value}")
    click.echo(
        f"demo data: {result.clients} clients, {result.loans} loans, "
        f"{result.repayments} repayments (today {today.isoformat()}); "
        f"lessons: {imported.added} added, {imported.changed} changed; "
        f"complaints: {complaints} added"
    )
    for username, password in made.items():
        click.echo(f"dashboard user {username}, password {password} (shown this once)")


@cli.command("settings")
@click.option("--markdown", is_flag=True, help="Print the documented table for the README.")
def show_settings(markdown: bool) -> None:
    """Print the current settings (or, with --markdown, the table of all settings)."""
    if markdown:
        click.echo(settings.markdown_table())
        return
    current = settings.load()
    for f in dataclasses.fields(current):
        value = getattr(current, f.name)
        if f.name == "database_url":
            value = _safe_url(value)
        elif f.name in {"secret_key", "admin_password", "fineract_password"}:
            value = "(set)" if value else "(unset)"
        click.echo(f"{f.name} = {value}")


@cli.group("loan")
def loan_group() -> None:
    """Loan figures from terms in JSON files (no database needed)."""


def _read_json(path: str) -> object:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except OSError as exc:
        raise click.ClickException(f"{path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise click.ClickException(
            f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})"
        ) from None
    except UnicodeDecodeError:
        raise click.ClickException(f"{path}: not UTF-8 text") from None
    except (ValueError, RecursionError) as exc:  # a number of thousands of digits, deep nesting
        raise click.ClickException(f"{path}: not usable JSON ({exc})") from None


@loan_group.command("quote")
@click.argument("terms_file", metavar="TERMS.json")
@click.option("--payments", "payments_file", metavar="PAYMENTS.json", help="Payments made.")
@click.option("--today", help="Also show where the loan stands on this date (YYYY-MM-DD).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON, every amount a decimal string.")
def loan_quote(
    terms_file: str, payments_file: str | None, today: str | None, as_json: bool
) -> None:
    """Schedule, totals, APR and EIR of a loan; with --today, its status too."""
    try:
        terms = terms_from_json(_read_json(terms_file))
        payments = payments_from_json(_read_json(payments_file)) if payments_file else []
        on = parse_date(today, "--today") if today else None
        result = quote(terms, payments, on)
    except (InputError, InvalidTerms) as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(quote_as_json(result), indent=2, ensure_ascii=False))
    else:
        click.echo(render_table(result))


@loan_group.command("rate")
@click.argument("flows_file", metavar="FLOWS.json")
def loan_rate(flows_file: str) -> None:
    """APR and EIR (and, for dated flows, the actual-days EIR) of a list of cash flows."""
    try:
        rates = rates_from_flows_json(_read_json(flows_file))
    except (InputError, NoRateError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(rates_as_json(rates), indent=2))


@cli.group("lessons")
def lessons_group() -> None:
    """Financial-literacy lessons: check the files, load them, write them back."""


LESSONS_OPTION = click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=LESSONS_DIR,
    show_default="locales/lessons",
    help="The lesson folder.",
)


@lessons_group.command("validate")
@LESSONS_OPTION
def lessons_validate(folder: Path) -> None:
    """Check every lesson file: one line per problem, exit status 1 when there is one."""
    if not folder.is_dir():
        raise click.ClickException(f"{folder}: no such folder")
    lessons, problems = read_tree(folder)
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        click.echo(f"{len(problems)} problems in {folder}", err=True)
        sys.exit(1)
    slugs = {lesson.slug for lesson in lessons}
    click.echo(f"{len(slugs)} lessons, {len(lessons)} files: all valid")


@lessons_group.command("import")
@LESSONS_OPTION
@connected
def lessons_import(obj: Context, folder: Path) -> None:
    """Check the lesson files, then load them into the database (running it again changes
    nothing); nothing is loaded when a file has a problem."""
    if not folder.is_dir():
        raise click.ClickException(f"{folder}: no such folder")
    lessons, problems = read_tree(folder)
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"{len(problems)} problems in {folder}; nothing imported")
    upgrade(obj.settings.database_url)
    with session_scope(obj.engine) as session:
        result = lesson_store.import_lessons(session, lessons)
    click.echo(
        f"lessons: {result.added} added, {result.changed} changed, "
        f"{result.unchanged} unchanged ({len({l_.slug for l_ in lessons})} lessons)"
    )


@lessons_group.command("export")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@connected
def lessons_export(obj: Context, folder: Path) -> None:
    """Write every lesson in the database, drafts included, as files under FOLDER."""
    with session_scope(obj.engine) as session:
        lessons = lesson_store.all_lessons(session)
    try:
        written = write_tree(folder, lessons)
    except OSError as exc:
        raise click.ClickException(f"{exc.filename}: {exc.strerror}") from None
    click.echo(f"{len(written)} lesson files written to {folder}")


@cli.group("retention")
def retention_group() -> None:
    """Conversation history older than WAZI_RETENTION_DAYS."""


@retention_group.command("sweep")
@connected
def retention_sweep(obj: Context) -> None:
    """Delete conversation history older than WAZI_RETENTION_DAYS days (Rasa's stored
    conversations in the production profile, answered Telegram and WhatsApp message copies,
    delivery statuses, handled handoff transcripts); complaints and the audit log stay."""
    swept = retention.sweep_as_set(obj.engine, obj.settings, dt.datetime.now(dt.UTC))
    click.echo(swept.summary(obj.settings.retention_days))


@cli.group("complaints")
def complaints_group() -> None:
    """Complaints: the deadline sweep."""


@complaints_group.command("sweep")
@connected
def complaints_sweep(obj: Context) -> None:
    """Write complaints kept while the database was unreachable, then escalate every open
    complaint past a deadline today (WAZI_TODAY when set) and tell its client, once, of their
    right to go to the regulator (WAZI_COUNTRY's)."""
    today = obj.settings.today()
    config = obj.settings
    policy = config.complaint_policy()
    for ticket in spool_in(config.data_dir).drain(obj.engine, policy):
        click.echo(f"{ticket}: written (kept while the database was unreachable)")
    with session_scope(obj.engine) as session:
        swept = complaint_store.sweep(session, today, dt.datetime.now(dt.UTC), config.regulator)
    for item in swept:
        if item.reasons:
            click.echo(f"{item.ticket_no}: escalated ({'; '.join(item.reasons)})")
        if item.regulator_notice:
            click.echo(f"{item.ticket_no}: the client is told of {config.country}'s regulator")
    escalated = sum(1 for item in swept if item.reasons)
    click.echo(f"{escalated} complaints escalated (today {today.isoformat()})")


@cli.group("staff")
def staff_group() -> None:
    """Staff users of the dashboard."""


@staff_group.command("add")
@click.argument("username")
@click.option(
    "--role",
    type=click.Choice([role.value for role in StaffRole]),
    required=True,
    help="staff: complaints and handoffs; trainer: lessons; admin: everything.",
)
@click.option("--name", "display_name", help="The name shown in the dashboard.")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input (scripts)."
)
@connected
def staff_add(
    obj: Context, username: str, role: str, display_name: str | None, password_stdin: bool
) -> None:
    """Create a dashboard user; the password is asked for twice (or read from stdin)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    upgrade(obj.settings.database_url)
    try:
        with session_scope(obj.engine) as session:
            staff.add(session, username, password, StaffRole(role), display_name)
    except staff.StaffError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"staff user {username} added ({role})")


@cli.group("link-code")
def link_code_group() -> None:
    """One-time linking codes for the identity check (WAZI_VERIFY_LINK_CODE)."""


@link_code_group.command("issue")
@click.argument("account")
@click.option(
    "--by",
    "issued_by",
    default="cli",
    show_default=True,
    help="Who hands the code to the client (kept in the audit log).",
)
@connected
def link_code_issue(obj: Context, account: str, issued_by: str) -> None:
    """Issue a new linking code to the client with loan ACCOUNT and print it (the only time it
    is shown); the client's older unused codes stop working."""
    with session_scope(obj.engine) as session:
        loan = session.scalar(
            select(Loan).where(func.upper(Loan.account_no) == account.strip().upper())
        )
        if loan is None:
            raise click.ClickException(f"no loan has the account number {account.strip()!r}")
        now = dt.datetime.now(dt.UTC)
        code = link_codes.issue(session, loan.client, issued_by, now)
        expires = (now + dt.timedelta(days=link_codes.VALID_DAYS)).date()
        click.echo(f"{code} (for the client of {loan.account_no}, valid until {expires})")


@cli.group("fineract")
def fineract_group() -> None:
    """Apache Fineract (Mifos X), when clients and loans come from it."""


def mask(account_no: str) -> str:
    """An account number with all but its last two characters hidden."""
    return "*" * max(0, len(account_no) - 2) + account_no[-2:]


def initials(name: str) -> str:
    return " ".join(f"{part[0]}." for part in name.split() if part)


@fineract_group.command("check")
def fineract_check() -> None:
    """Connect with the WAZI_FINERACT_* settings and say what Wazi can see: clients, active
    loans, and one active loan read as Wazi reads it (account and name masked). Exit status 1
    when Fineract cannot be reached or no active loan can be read, 2 when it refuses the
    settings (credentials, tenant)."""
    config = settings.load()
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    for name, value in (
        ("WAZI_FINERACT_URL", config.fineract_url),
        ("WAZI_FINERACT_USERNAME", config.fineract_username),
        ("WAZI_FINERACT_PASSWORD", config.fineract_password),
    ):
        if not value:
            raise SettingError(name, "must be set to check Fineract")
    try:
        client = fineract_client(config)
    except LoanSourceUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    source = FineractLoans(client, fineract_policy(config), default_region=config.country)
    try:
        with client:
            clients = client.client_count()
            total, active = _active_loans(client)
            click.echo(
                f"Fineract reachable: {config.fineract_url} "
                f"(tenant {config.fineract_tenant}, user {config.fineract_username})"
            )
            click.echo(f"clients visible: {clients}")
            more = " or more" if total > LOANS_SCANNED else ""
            click.echo(f"active loans visible: {len(active)}{more} (of {total} loans)")
            sample = _sample(source, active, config.today())
    except FineractRefused as exc:
        raise click.ClickException(str(exc)) from None
    except FineractError as exc:  # unreachable, failing, or not its API
        click.echo(f"wazi: error: {exc}", err=True)
        sys.exit(EXIT_UNAVAILABLE)
    if sample is None and active:
        click.echo("wazi: error: no active loan could be read (see the lines above)", err=True)
        sys.exit(EXIT_UNAVAILABLE)
    click.echo(f"sample loan: {sample or 'none (no active loan)'}")


def _active_loans(client: FineractClient) -> tuple[int, list[int]]:
    """(how many loans the user sees, the ids of the active ones among the first
    ``LOANS_SCANNED``)."""
    total, scanned, active = 0, 0, []
    while scanned < LOANS_SCANNED:
        total, page = client.loans_page(scanned, LOANS_PAGE)
        if not page:
            break
        scanned += len(page)
        for item in page:
            status = item.get("status")
            if isinstance(status, dict) and status.get("id") == FineractLoanStatus.ACTIVE:
                active.append(item["id"])
        if scanned >= total:
            break
    return total, active


def _sample(source: FineractLoans, loan_ids: list[int], today: dt.date) -> str | None:
    """The first of ``loan_ids`` (at most ``SAMPLES``) Wazi can read, summed up with the
    account number and client name masked; one line for each loan it cannot read."""
    english = Locale("en")
    for loan_id in loan_ids[:SAMPLES]:
        try:
            loan = source.fineract.loan(loan_id)
            product = source.fineract.loan_product(int(loan.get("loanProductId") or 0))
            record = loan_record(loan, product, source.policy)
            view = source.view(record, today)
        except (FineractNotFound, FineractDataError, InvalidTerms) as exc:
            click.echo(f"loan id {loan_id}: Wazi cannot read it: {exc}")
            continue
        next_due = view.standing.next_due
        return (
            f"{mask(record.account_no)}, client {initials(str(loan.get('clientName') or ''))}, "
            f"{record.currency.code}, principal "
            f"{money(record.terms.principal, record.currency.code, english)}, "
            f"{record.terms.installments} installments, next due "
            f"{next_due.due_date.isoformat() if next_due else 'none'}"
        )
    return None


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def main() -> None:
    """Entry point of the ``wazi`` script: any refused input is one line and exit status 2."""
    try:
        cli(prog_name="wazi", standalone_mode=False)
    except SettingError as exc:
        click.echo(f"wazi: error: {exc}", err=True)
        sys.exit(EXIT_BAD_SETTING)
    except click.ClickException as exc:
        click.echo(f"wazi: error: {exc.format_message()}", err=True)
        sys.exit(EXIT_BAD_SETTING)
    except click.exceptions.Abort:
        click.echo("wazi: aborted", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
