"""The NLU training data stays balanced across languages and its intents stay apart."""

from __future__ import annotations

from collections import Counter, defaultdict

import yaml

from bot.i18n import LANGUAGES
from bot.nlu_report import load_examples
from bot.rasa_validate import COMMAND_INTENTS
from bot.settings import PROJECT_ROOT

MINIMUM = 45  # examples per intent in each language


def test_every_intent_has_enough_examples_in_every_language() -> None:
    examples, _ = load_examples(PROJECT_ROOT / "nlu_data")
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    counts = Counter((e.language, e.intent) for e in examples)
    short = [
        f"{language}/{intent}: {counts[(language, intent)]}"
        for language in LANGUAGES
        for intent in domain["intents"]
        if intent not in COMMAND_INTENTS and counts[(language, intent)] < MINIMUM
    ]
    assert short == []


def test_no_text_is_an_example_of_two_intents() -> None:
    examples, _ = load_examples(PROJECT_ROOT / "nlu_data")
    intents = defaultdict(set)
    for example in examples:
        intents[example.text.lower()].add(example.intent)
    assert {text: found for text, found in intents.items() if len(found) > 1} == {}
