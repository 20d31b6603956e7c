"""Read ``rasa data validate``'s output and fail on any warning Rasa 3.6 lets through.

Rasa's ``--fail-on-warnings`` misses some warnings (unused intents, unknown utterances), so
``make validate`` fails on every ``UserWarning`` in the output, with one exception Rasa gets
wrong: a response that no story or rule uses is fine when a custom action sends it
(``dispatcher.utter_message(response="utter_x")``), and one warning that is by design: a command
intent (typed as ``/language``; Rasa reads ``/name`` as the intent ``name`` without NLU) has no
NLU examples.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from bot.settings import PROJECT_ROOT

_UNUSED = re.compile(r"The utterance '(\w+)' is not used in any story or rule\.")
_SENT_BY_ACTION = re.compile(r"""response=["'](\w+)["']""")
_NO_EXAMPLES = re.compile(r"The intent '(\w+)' is listed in the domain file, but is not found")
COMMAND_INTENTS = frozenset(
    {
        "language",
        "lesson_open",
        "lesson_continue",
        "lesson_pause",
        "lesson_answer",
        "lesson_listen",
        "complaint_feedback",
        "data_delete_confirm",
    }
)


def responses_sent_by_actions(actions_dir: Path = PROJECT_ROOT / "actions") -> set[str]:
    return {
        name
        for path in actions_dir.glob("*.py")
        for name in _SENT_BY_ACTION.findall(path.read_text(encoding="utf-8"))
    }


def real_warnings(log: str, sent_by_actions: set[str]) -> list[str]:
    found = []
    for line in log.splitlines():
        if "UserWarning" not in line:
            continue
        unused = _UNUSED.search(line)
        if unused and unused.group(1) in sent_by_actions:
            continue
        command = _NO_EXAMPLES.search(line)
        if command and command.group(1) in COMMAND_INTENTS:
            continue
        found.append(line.split("UserWarning:", 1)[-1].strip())
    return found


def main(argv: list[str]) -> int:
    log = Path(argv[0]).read_text(encoding="utf-8", errors="replace")
    warnings = real_warnings(log, responses_sent_by_actions())
    for warning in warnings:
        print(f"rasa data validate: {warning}", file=sys.stderr)  # noqa: T201
    return 1 if warnings else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
