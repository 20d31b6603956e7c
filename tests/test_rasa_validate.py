"""``make validate`` fails on Rasa's warnings, except the two that are by design."""

from __future__ import annotations

from bot.rasa_validate import real_warnings

UNUSED = "UserWarning: The utterance 'utter_x' is not used in any story or rule."
NO_EXAMPLES = (
    "UserWarning: The intent '{}' is listed in the domain file, but is not found in the NLU "
    "training data."
)


def test_a_response_sent_by_an_action_is_not_a_warning() -> None:
    assert real_warnings(UNUSED, {"utter_x"}) == []
    assert real_warnings(UNUSED, set()) == [
        "The utterance 'utter_x' is not used in any story or rule."
    ]


def test_only_command_intents_may_lack_examples() -> None:
    assert real_warnings(NO_EXAMPLES.format("language"), set()) == []
    (warning,) = real_warnings(NO_EXAMPLES.format("ask_balance"), set())
    assert "'ask_balance'" in warning


def test_lines_without_a_user_warning_are_ignored() -> None:
    assert real_warnings("INFO everything fine\nDEBUG more", set()) == []
