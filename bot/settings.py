"""Every setting Wazi reads from the environment, in one place.

Each setting is an environment variable with a documented default. ``load()`` reads them
all at once and raises :class:`SettingError` naming the variable when one is malformed,
so a bad setting stops startup with one clear line instead of a stack trace.

The table in the README is generated from ``SETTINGS`` (``wazi settings --markdown``),
so this module is the single source of truth.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from babel.numbers import list_currencies

from bot.complaints.regulators import Regulator, RegulatorFileError, regulator_for

if TYPE_CHECKING:
    from bot.complaints.rules import Policy

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REGULATORS_FILE = PROJECT_ROOT / "locales" / "regulators.yml"


class SettingError(ValueError):
    """A setting from the environment cannot be used; the message names the variable."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name}: {problem}")
        self.name = name


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    description: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "WAZI_DATA_DIR",
        "data",
        "Folder for the embedded SQLite database and other local state "
        "(relative paths are taken from the project root).",
    ),
    Setting(
        "WAZI_DATABASE_URL",
        "sqlite:///<WAZI_DATA_DIR>/wazi.sqlite3",
        "SQLAlchemy URL of the database, e.g. `postgresql+psycopg://user@127.0.0.1:5432/wazi`.",
    ),
    Setting(
        "WAZI_TODAY",
        "(unset: the real date; make run sets 2026-11-25)",
        "An ISO date (YYYY-MM-DD) that replaces today's date everywhere, "
        "so demos and tests are reproducible.",
    ),
    Setting("WAZI_RASA_URL", "http://127.0.0.1:5005", "Where the Rasa server listens."),
    Setting("WAZI_ACTIONS_PORT", "5055", "Port of the action server."),
    Setting(
        "WAZI_NLG_PORT",
        "5056",
        "Port of the NLG endpoint that renders every response in the client's language.",
    ),
    Setting("WAZI_WEB_HOST", "127.0.0.1", "Interface the web app (chat page) binds to."),
    Setting("WAZI_WEB_PORT", "8000", "Port of the web app (chat page)."),
    Setting(
        "WAZI_SECRET_KEY",
        "(unset: a random key per process)",
        "Key that signs the web app's session cookies; set it in production.",
    ),
    Setting(
        "WAZI_VERIFY_MAX_FAILURES",
        "3",
        "Failed identity checks after which a chat identity is locked.",
    ),
    Setting(
        "WAZI_VERIFY_LOCK_MINUTES",
        "15",
        "How long a chat identity stays locked after too many failed checks.",
    ),
    Setting(
        "WAZI_VERIFY_LINK_CODE",
        "false",
        "`true`: the identity check also asks for the one-time linking code the loan officer "
        "hands the client at disbursement (printed on the loan card from the dashboard's client "
        "page, or `wazi link-code issue`). `false`: the phone number and date of birth only.",
    ),
    Setting(
        "WAZI_VERIFY_PIN",
        "false",
        '`true`: a client may set a PIN in chat ("set a PIN"); once set, the identity check '
        "also asks for it, and a chat linked to that client forgets the check when the "
        "conversation ends (60 minutes idle), so the next person on a shared phone needs the "
        "PIN. `false`: no PINs.",
    ),
    Setting(
        "WAZI_PHONE_REGIONS",
        "KE,MX,SN,IN,UG",
        "Countries (ISO 3166 codes) whose national phone formats are accepted "
        "when a client types a number without the + prefix.",
    ),
    Setting(
        "WAZI_SUPPORT_HOURS",
        "Monday to Friday, 08:00-17:00",
        "When staff answer handoff requests; Wazi tells clients who ask for a person "
        "(a verified client is also given their branch's hours).",
    ),
    Setting(
        "WAZI_ADMIN_PASSWORD",
        "(unset: wazi-demo-admin)",
        "Password of the `admin` staff user that `wazi demo seed` creates; set it anywhere "
        "but a local demo.",
    ),
    Setting(
        "WAZI_CURRENCY",
        "KES",
        "The institution's currency (ISO 4217): lessons show their money examples in it until "
        "the client is verified, then in the currency of the client's loan.",
    ),
    Setting(
        "WAZI_COMPLAINT_ACK_DAYS",
        "5",
        "Working days (Monday to Friday, less `WAZI_HOLIDAYS`) to acknowledge a complaint.",
    ),
    Setting("WAZI_COMPLAINT_RESOLVE_DAYS", "21", "Calendar days to resolve a complaint."),
    Setting(
        "WAZI_COMPLAINT_ESCALATE",
        "harassment,fraud,privacy",
        "Complaint categories escalated to head office the moment they arrive, separated by "
        "commas (`wrong_charge`, `payment_not_recorded`, `staff_behaviour`, `harassment`, "
        "`fraud`, `privacy`, `insurance`, `other`), or `none`.",
    ),
    Setting(
        "WAZI_COUNTRY",
        "KE",
        "The institution's country (ISO 3166 code): after a missed complaint deadline the client "
        "is told of their right to go to its regulator or ombudsman, whose name, contact and "
        "optional texts are in `locales/regulators.yml`.",
    ),
    Setting(
        "WAZI_HOLIDAYS",
        "(unset: none)",
        "Public holidays that are not working days, as ISO dates separated by commas.",
    ),
    Setting("WAZI_LOG_LEVEL", "INFO", "Log level of Wazi's own processes."),
    Setting(
        "WAZI_RETENTION_DAYS",
        "365",
        "Days conversation history is kept: Rasa's stored conversations, the Telegram and "
        "WhatsApp message copies once answered, delivery statuses, handled handoff transcripts "
        "(complaints and the audit log are kept). The web process deletes older history every "
        "hour; `wazi retention sweep` does it once.",
    ),
    Setting(
        "WAZI_PROFILE",
        "local",
        "`local`: one process of each kind, conversations in memory (`make run`). `production`: "
        "PostgreSQL and Redis for Rasa too, replicas behind nginx (`make run-prod`; see "
        "docs/deployment.md).",
    ),
    Setting(
        "WAZI_RASA_REPLICAS",
        "2",
        "Production profile: how many Rasa servers run behind nginx.",
    ),
    Setting(
        "WAZI_ACTION_REPLICAS",
        "2",
        "Production profile: how many action servers (and NLG endpoints) run behind nginx.",
    ),
    Setting(
        "WAZI_TRACKER_STORE_URL",
        "postgresql://postgres@127.0.0.1:5432/wazi_tracker",
        "Production profile: the PostgreSQL database where Rasa keeps conversations "
        "(created when missing).",
    ),
    Setting(
        "WAZI_LOCK_STORE_URL",
        "redis://127.0.0.1:6379/1",
        "Production profile: the Redis database of Rasa's lock store (one turn of a "
        "conversation at a time across replicas).",
    ),
    Setting(
        "WAZI_LOCK_STORE_PREFIX",
        "wazi",
        "Production profile: prefix of the lock store's Redis keys (letters and digits), "
        "so several Wazi installations can share one Redis.",
    ),
    Setting(
        "WAZI_RASA_TOKEN",
        "(unset: Rasa's HTTP API is off)",
        "Token of Rasa's HTTP API (`/conversations/...`, `/model/...`); when set, the "
        "production profile's Rasa servers serve the API to callers with `?token=` only.",
    ),
    Setting(
        "WAZI_CHANNEL_SECRET",
        "(unset: make run makes one per run)",
        "Secret the Telegram and WhatsApp adapters sign each sender's identity with, and the "
        "action server checks; at least 32 characters. Without it the actions trust no channel.",
    ),
    Setting(
        "WAZI_LOAN_SOURCE",
        "database",
        "Where clients and loans are read from: `database` (Wazi's own tables) or `fineract` "
        "(Apache Fineract / Mifos X over its REST API, with the `WAZI_FINERACT_*` settings).",
    ),
    Setting(
        "WAZI_FINERACT_URL",
        "(unset)",
        "Fineract's API root, e.g. `https://mifos.example.org/fineract-provider/api/v1`; "
        "needed when `WAZI_LOAN_SOURCE=fineract`.",
    ),
    Setting(
        "WAZI_FINERACT_TENANT",
        "default",
        "The Fineract tenant (sent as `Fineract-Platform-TenantId`).",
    ),
    Setting(
        "WAZI_FINERACT_USERNAME",
        "(unset)",
        "The Fineract user Wazi reads with (read-only permissions are enough).",
    ),
    Setting("WAZI_FINERACT_PASSWORD", "(unset)", "That Fineract user's password."),
    Setting(
        "WAZI_FINERACT_TIMEOUT",
        "10",
        "Seconds to wait for each Fineract request (retried twice with backoff).",
    ),
    Setting(
        "WAZI_FINERACT_INSURANCE_CHARGES",
        "(unset: none)",
        "Ids of the Fineract charge definitions that are insurance premiums, separated by "
        "commas (the loan's JSON does not say).",
    ),
    Setting(
        "WAZI_FINERACT_DEDUCTED_CHARGES",
        "(unset: none)",
        "Ids of the Fineract disbursement charges withheld from the cash paid out, separated "
        "by commas; other disbursement charges are paid in cash.",
    ),
    Setting(
        "WAZI_TELEGRAM_TOKEN",
        "(unset: no Telegram adapter)",
        "The bot token @BotFather gives; `make run` starts the Telegram adapter when it is set.",
    ),
    Setting(
        "WAZI_TELEGRAM_API_URL",
        "https://api.telegram.org/bot",
        "Base URL of the Telegram Bot API (the token is appended); tests point it at a fake.",
    ),
    Setting(
        "WAZI_TELEGRAM_WEBHOOK_URL",
        "(unset: long polling)",
        "Public HTTPS URL Telegram should post updates to; unset, the adapter polls instead.",
    ),
    Setting(
        "WAZI_TELEGRAM_WEBHOOK_SECRET",
        "(unset: a random one per run)",
        "Secret token Telegram sends back in `X-Telegram-Bot-Api-Secret-Token` "
        "(1-256 of A-Z a-z 0-9 _ -).",
    ),
    Setting(
        "WAZI_TELEGRAM_WEBHOOK_LISTEN",
        "127.0.0.1:8443",
        "Interface and port the Telegram webhook listens on (behind your HTTPS proxy).",
    ),
    Setting(
        "WAZI_WHATSAPP_TOKEN",
        "(unset: no WhatsApp webhook)",
        "Access token of the WhatsApp Cloud API (a system user token); `make run` starts the "
        "WhatsApp webhook when this, the phone number id, app secret and verify token are set.",
    ),
    Setting(
        "WAZI_WHATSAPP_PHONE_NUMBER_ID",
        "(unset)",
        "The Cloud API's id of the business phone number Wazi sends from.",
    ),
    Setting(
        "WAZI_WHATSAPP_APP_SECRET",
        "(unset)",
        "The Meta app's secret; every webhook POST must carry its `X-Hub-Signature-256`.",
    ),
    Setting(
        "WAZI_WHATSAPP_VERIFY_TOKEN",
        "(unset)",
        "The verify token you type in the Meta app's webhook settings (GET handshake).",
    ),
    Setting(
        "WAZI_WHATSAPP_API_URL",
        "https://graph.facebook.com/v23.0",
        "Base URL of the Graph API, with its version; tests point it at a fake.",
    ),
    Setting(
        "WAZI_WHATSAPP_LISTEN",
        "127.0.0.1:8001",
        "Interface and port the WhatsApp webhook listens on (behind your HTTPS proxy).",
    ),
    Setting(
        "WAZI_WHATSAPP_TEMPLATE",
        "wazi_update",
        "Name of the approved message template (one body parameter) used to reach a client "
        "outside WhatsApp's 24-hour window.",
    ),
)


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def _default(name: str) -> str:
    return next(s.default for s in SETTINGS if s.name == name)


def _int(name: str, minimum: int = 0, maximum: int | None = None) -> int:
    raw = _env(name) or _default(name)
    try:
        value = int(raw)
    except ValueError:
        raise SettingError(name, f"expected a whole number, got {raw!r}") from None
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" and {maximum}" if maximum is not None else ""
        raise SettingError(name, f"must be between {minimum}{upper}, got {value}")
    return value


_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})


def _bool(name: str) -> bool:
    raw = _env(name) or _default(name)
    if raw.lower() not in _TRUE | _FALSE:
        raise SettingError(name, f"expected true or false, got {raw!r}")
    return raw.lower() in _TRUE


def _port(name: str) -> int:
    return _int(name, minimum=1, maximum=65535)


def _url(name: str) -> str | None:
    raw = _env(name)
    if raw is None:
        return None
    if not raw.startswith(("http://", "https://")):
        raise SettingError(name, f"expected an http(s) URL, got {raw!r}")
    return raw.rstrip("/")


def _listen(name: str) -> tuple[str, int]:
    raw = _env(name) or _default(name)
    host, _, port = raw.rpartition(":")
    if not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise SettingError(name, f"expected host:port like 127.0.0.1:8001, got {raw!r}")
    return host.strip("[]"), int(port)


_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


def parse_today(raw: str | None) -> dt.date | None:
    """Parse ``WAZI_TODAY``; ``None`` when unset."""
    if raw is None or raw.strip() == "":
        return None
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise SettingError(
            "WAZI_TODAY", f"expected an ISO date like 2026-11-25, got {raw!r}"
        ) from None


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    today_override: dt.date | None
    rasa_url: str
    actions_port: int
    nlg_port: int
    web_host: str
    web_port: int
    secret_key: str | None
    verify_max_failures: int
    verify_lock_minutes: int
    phone_regions: tuple[str, ...]
    admin_password: str | None
    support_hours: str
    log_level: str
    currency: str = "KES"
    complaint_ack_days: int = 5
    complaint_resolve_days: int = 21
    holidays: frozenset[dt.date] = frozenset()
    complaint_escalate: frozenset[str] = frozenset({"harassment", "fraud", "privacy"})
    country: str = "KE"
    regulator: Regulator | None = None  # WAZI_COUNTRY's, from locales/regulators.yml
    channel_secret: bytes | None = None
    telegram_token: str | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: str | None = None
    telegram_webhook_listen: tuple[str, int] = ("127.0.0.1", 8443)
    whatsapp_token: str | None = None
    whatsapp_phone_number_id: str | None = None
    whatsapp_app_secret: bytes | None = None
    whatsapp_verify_token: str | None = None
    whatsapp_api_url: str = "https://graph.facebook.com/v23.0"
    whatsapp_listen: tuple[str, int] = ("127.0.0.1", 8001)
    whatsapp_template: str = "wazi_update"
    loan_source: str = "database"
    fineract_url: str | None = None
    fineract_tenant: str = "default"
    fineract_username: str | None = None
    fineract_password: str | None = None
    fineract_timeout: float = 10.0
    fineract_insurance_charges: frozenset[int] = frozenset()
    fineract_deducted_charges: frozenset[int] = frozenset()
    retention_days: int = 365
    profile: str = "local"
    rasa_replicas: int = 2
    action_replicas: int = 2
    tracker_store_url: str = "postgresql://postgres@127.0.0.1:5432/wazi_tracker"
    lock_store_url: str = "redis://127.0.0.1:6379/1"
    lock_store_prefix: str = "wazi"
    rasa_token: str | None = None
    verify_link_code: bool = False
    verify_pin: bool = False

    @property
    def whatsapp_enabled(self) -> bool:
        """Whether every setting the WhatsApp webhook needs is set."""
        return all(
            (
                self.whatsapp_token,
                self.whatsapp_phone_number_id,
                self.whatsapp_app_secret,
                self.whatsapp_verify_token,
            )
        )

    def today(self) -> dt.date:
        """The date Wazi treats as today: ``WAZI_TODAY`` if set, else the real date."""
        return self.today_override or dt.date.today()

    def complaint_policy(self) -> Policy:
        """The institution's complaint deadlines and escalation (``WAZI_COMPLAINT_*``)."""
        from bot.complaints.rules import policy_from  # rules need the catalogs, which need us

        return policy_from(
            self.complaint_ack_days,
            self.complaint_resolve_days,
            self.holidays,
            self.complaint_escalate,
        )


def _dates(name: str) -> frozenset[dt.date]:
    days = set()
    for raw in (_env(name) or "").split(","):
        if raw.strip():
            try:
                days.add(dt.date.fromisoformat(raw.strip()))
            except ValueError:
                raise SettingError(
                    name, f"expected ISO dates (YYYY-MM-DD), got {raw.strip()!r}"
                ) from None
    return frozenset(days)


def _categories(name: str) -> frozenset[str]:
    from bot.complaints.rules import Category  # rules need the catalogs, which need us

    raw = (_env(name) or _default(name)).strip().lower()
    if raw == "none":
        return frozenset()
    chosen = {part.strip() for part in raw.split(",") if part.strip()}
    known = {category.value for category in Category}
    unknown = sorted(chosen - known)
    if unknown or not chosen:
        raise SettingError(
            name,
            f"unknown complaint categor{'ies' if len(unknown) > 1 else 'y'} "
            f"{', '.join(repr(u) for u in unknown) or repr(raw)}; use {', '.join(sorted(known))} "
            "or none",
        )
    return frozenset(chosen)


def _ids(name: str) -> frozenset[int]:
    ids = set()
    for raw in (_env(name) or "").split(","):
        if raw.strip():
            if not raw.strip().isdigit():
                raise SettingError(name, f"expected ids separated by commas, got {raw.strip()!r}")
            ids.add(int(raw.strip()))
    return frozenset(ids)


def _seconds(name: str) -> float:
    raw = _env(name) or _default(name)
    try:
        value = float(raw)
    except ValueError:
        raise SettingError(name, f"expected a number of seconds, got {raw!r}") from None
    if not 0 < value <= 300:
        raise SettingError(name, f"must be more than 0 and at most 300 seconds, got {raw}")
    return value


def _loan_source() -> str:
    source = (_env("WAZI_LOAN_SOURCE") or _default("WAZI_LOAN_SOURCE")).lower()
    if source not in {"database", "fineract"}:
        raise SettingError("WAZI_LOAN_SOURCE", f"expected database or fineract, got {source!r}")
    if source == "fineract":
        for name in ("WAZI_FINERACT_URL", "WAZI_FINERACT_USERNAME", "WAZI_FINERACT_PASSWORD"):
            if _env(name) is None:
                raise SettingError(name, "must be set when WAZI_LOAN_SOURCE is fineract")
    return source


def _profile() -> str:
    profile = (_env("WAZI_PROFILE") or _default("WAZI_PROFILE")).lower()
    if profile not in {"local", "production"}:
        raise SettingError("WAZI_PROFILE", f"expected local or production, got {profile!r}")
    return profile


def _rasa_token() -> str | None:
    token = _env("WAZI_RASA_TOKEN")
    if token is not None and (len(token) < 32 or not _WEBHOOK_SECRET.fullmatch(token)):
        raise SettingError(
            "WAZI_RASA_TOKEN", "use at least 32 characters of A-Z a-z 0-9 _ - (it goes in URLs)"
        )
    return token


def _currency(name: str) -> str:
    code = (_env(name) or _default(name)).upper()
    if code not in list_currencies():
        raise SettingError(name, f"{code!r} is not an ISO 4217 currency code")
    return code


def _regulator(name: str, path: Path) -> Regulator:
    country = _env(name) or _default(name)
    try:
        return regulator_for(country, path)
    except RegulatorFileError as exc:
        raise SettingError(name, str(exc)) from None


def load(regulators_file: Path = REGULATORS_FILE) -> Settings:
    """Read and check every setting; raises SettingError naming the first bad one."""
    data_dir = Path(_env("WAZI_DATA_DIR") or _default("WAZI_DATA_DIR"))
    if not data_dir.is_absolute():
        data_dir = PROJECT_ROOT / data_dir

    database_url = _env("WAZI_DATABASE_URL") or f"sqlite:///{data_dir / 'wazi.sqlite3'}"
    if "://" not in database_url:
        raise SettingError(
            "WAZI_DATABASE_URL", f"expected a URL like sqlite:///path.db, got {database_url!r}"
        )

    rasa_url = (_env("WAZI_RASA_URL") or _default("WAZI_RASA_URL")).rstrip("/")
    if not rasa_url.startswith(("http://", "https://")):
        raise SettingError("WAZI_RASA_URL", f"expected an http(s) URL, got {rasa_url!r}")

    regions = tuple(
        r.strip().upper()
        for r in (_env("WAZI_PHONE_REGIONS") or _default("WAZI_PHONE_REGIONS")).split(",")
        if r.strip()
    )
    if not regions or any(len(r) != 2 or not r.isalpha() for r in regions):
        raise SettingError("WAZI_PHONE_REGIONS", "expected two-letter country codes like KE,MX")

    log_level = (_env("WAZI_LOG_LEVEL") or _default("WAZI_LOG_LEVEL")).upper()
    if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise SettingError("WAZI_LOG_LEVEL", f"unknown level {log_level!r}")

    channel_secret = _env("WAZI_CHANNEL_SECRET")
    if channel_secret is not None and len(channel_secret) < 32:
        raise SettingError("WAZI_CHANNEL_SECRET", "must be at least 32 characters long")
    webhook_secret = _env("WAZI_TELEGRAM_WEBHOOK_SECRET")
    if webhook_secret is not None and not _WEBHOOK_SECRET.fullmatch(webhook_secret):
        raise SettingError(
            "WAZI_TELEGRAM_WEBHOOK_SECRET", "use 1-256 characters of A-Z a-z 0-9 _ -"
        )
    app_secret = _env("WAZI_WHATSAPP_APP_SECRET")
    regulator = _regulator("WAZI_COUNTRY", regulators_file)

    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        today_override=parse_today(_env("WAZI_TODAY")),
        rasa_url=rasa_url,
        actions_port=_port("WAZI_ACTIONS_PORT"),
        nlg_port=_port("WAZI_NLG_PORT"),
        web_host=_env("WAZI_WEB_HOST") or _default("WAZI_WEB_HOST"),
        web_port=_port("WAZI_WEB_PORT"),
        secret_key=_env("WAZI_SECRET_KEY"),
        verify_max_failures=_int("WAZI_VERIFY_MAX_FAILURES", minimum=1),
        verify_lock_minutes=_int("WAZI_VERIFY_LOCK_MINUTES", minimum=1),
        phone_regions=regions,
        admin_password=_env("WAZI_ADMIN_PASSWORD"),
        support_hours=_env("WAZI_SUPPORT_HOURS") or _default("WAZI_SUPPORT_HOURS"),
        log_level=log_level,
        currency=_currency("WAZI_CURRENCY"),
        complaint_ack_days=_int("WAZI_COMPLAINT_ACK_DAYS", minimum=1, maximum=60),
        complaint_resolve_days=_int("WAZI_COMPLAINT_RESOLVE_DAYS", minimum=1, maximum=365),
        holidays=_dates("WAZI_HOLIDAYS"),
        complaint_escalate=_categories("WAZI_COMPLAINT_ESCALATE"),
        country=regulator.country,
        regulator=regulator,
        channel_secret=channel_secret.encode() if channel_secret else None,
        telegram_token=_env("WAZI_TELEGRAM_TOKEN"),
        telegram_api_url=_url("WAZI_TELEGRAM_API_URL") or _default("WAZI_TELEGRAM_API_URL"),
        telegram_webhook_url=_url("WAZI_TELEGRAM_WEBHOOK_URL"),
        telegram_webhook_secret=webhook_secret,
        telegram_webhook_listen=_listen("WAZI_TELEGRAM_WEBHOOK_LISTEN"),
        whatsapp_token=_env("WAZI_WHATSAPP_TOKEN"),
        whatsapp_phone_number_id=_env("WAZI_WHATSAPP_PHONE_NUMBER_ID"),
        whatsapp_app_secret=app_secret.encode() if app_secret else None,
        whatsapp_verify_token=_env("WAZI_WHATSAPP_VERIFY_TOKEN"),
        whatsapp_api_url=_url("WAZI_WHATSAPP_API_URL") or _default("WAZI_WHATSAPP_API_URL"),
        whatsapp_listen=_listen("WAZI_WHATSAPP_LISTEN"),
        whatsapp_template=_env("WAZI_WHATSAPP_TEMPLATE") or _default("WAZI_WHATSAPP_TEMPLATE"),
        loan_source=_loan_source(),
        fineract_url=_url("WAZI_FINERACT_URL"),
        fineract_tenant=_env("WAZI_FINERACT_TENANT") or _default("WAZI_FINERACT_TENANT"),
        fineract_username=_env("WAZI_FINERACT_USERNAME"),
        fineract_password=_env("WAZI_FINERACT_PASSWORD"),
        fineract_timeout=_seconds("WAZI_FINERACT_TIMEOUT"),
        fineract_insurance_charges=_ids("WAZI_FINERACT_INSURANCE_CHARGES"),
        fineract_deducted_charges=_ids("WAZI_FINERACT_DEDUCTED_CHARGES"),
        retention_days=_int("WAZI_RETENTION_DAYS", minimum=1, maximum=3650),
        profile=_profile(),
        rasa_replicas=_int("WAZI_RASA_REPLICAS", minimum=1, maximum=20),
        action_replicas=_int("WAZI_ACTION_REPLICAS", minimum=1, maximum=20),
        tracker_store_url=_env("WAZI_TRACKER_STORE_URL") or _default("WAZI_TRACKER_STORE_URL"),
        lock_store_url=_env("WAZI_LOCK_STORE_URL") or _default("WAZI_LOCK_STORE_URL"),
        lock_store_prefix=_env("WAZI_LOCK_STORE_PREFIX") or _default("WAZI_LOCK_STORE_PREFIX"),
        rasa_token=_rasa_token(),
        verify_link_code=_bool("WAZI_VERIFY_LINK_CODE"),
        verify_pin=_bool("WAZI_VERIFY_PIN"),
    )


def markdown_table() -> str:
    """The settings as a Markdown table, for the README."""
    lines = ["| Variable | Default | Meaning |", "|---|---|---|"]
    for s in SETTINGS:
        default = s.default if s.default.startswith("(") else f"`{s.default}`"
        lines.append(f"| `{s.name}` | {default} | {s.description} |")
    return "\n".join(lines)
