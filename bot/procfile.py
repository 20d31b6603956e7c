"""The processes `make run` starts: the Procfile, plus each channel adapter whose settings are set.

``python -m bot.procfile`` prints the Procfile for honcho: Rasa, the action server, the NLG
endpoint and the web chat always; the Telegram adapter when ``WAZI_TELEGRAM_TOKEN`` is set; the
WhatsApp webhook when its token, phone number id, app secret and verify token are all set. A
channel without ``WAZI_CHANNEL_SECRET`` would be refused by the actions, so it is an error.
"""

from __future__ import annotations

import sys

from bot.settings import PROJECT_ROOT, SettingError, Settings, load

PROCFILE = PROJECT_ROOT / "Procfile"
CHANNELS = {
    "telegram": ".venv/bin/python -m bot.channels.telegram",
    "whatsapp": ".venv/bin/python -m bot.channels.whatsapp",
}


def channels(settings: Settings) -> list[str]:
    """The channel adapters the settings ask for."""
    wanted = []
    if settings.telegram_token:
        wanted.append("telegram")
    if settings.whatsapp_enabled:
        wanted.append("whatsapp")
    if wanted and settings.channel_secret is None:
        raise SettingError("WAZI_CHANNEL_SECRET", "must be set when a channel adapter runs")
    return wanted


def procfile(settings: Settings) -> str:
    lines = PROCFILE.read_text().rstrip("\n").splitlines()
    lines += [f"{name}: {CHANNELS[name]}" for name in channels(settings)]
    return "\n".join(lines) + "\n"


def main() -> int:
    try:
        text = procfile(load())
    except SettingError as exc:
        print(f"wazi run: bad setting {exc}", file=sys.stderr)  # noqa: T201
        return 2
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
