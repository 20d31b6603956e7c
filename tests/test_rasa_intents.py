"""Wazi's NLU pipeline as config.yml declares it (bot/rasa_intents.py's intent classifier, the
regex entity extractor, the language synonyms), trained by Rasa on a small data set in Rasa's
own environment, saved, loaded back and asked."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

from bot.settings import PROJECT_ROOT
from tests.rasa_env import run_in_rasa

SMALL_DATA = """\
version: "3.1"
nlu:
  - intent: ask_balance
    examples: |
      - how much do i still owe
      - what is my balance
      - salio langu ni ngapi
      - nadaiwa kiasi gani
      - cuanto debo todavia
      - mera baki kitna hai
  - intent: complain
    examples: |
      - i want to make a complaint
      - the officer was rude to me
      - nataka kulalamika
      - afisa alinitukana
      - quiero poner una queja
      - shikayat karni hai
  - intent: greet
    examples: |
      - hello
      - good morning
      - habari yako
      - mambo
      - hola buenos dias
      - namaste ji
  - intent: choose_language
    examples: |
      - speak [english](language)
      - [kiswahili](language) tafadhali
      - en [español](language)
      - [हिंदी](language) में बात करो
      - [french](language) please
      - [hindi](language) me bolo
  - intent: choose_loan
    examples: |
      - [L-1001](loan_account)
      - the loan [L-2002](loan_account)
      - mkopo [L-3001](loan_account)
      - el prestamo [L-4001](loan_account)
      - [l-5002](loan_account) wala loan
      - [L-6001](loan_account) please
  - intent: thank
    examples: |
      - thank you
      - asante sana
      - merci beaucoup
"""

PARSE = textwrap.dedent(
    """
    import asyncio, json, sys
    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu

    model = train_nlu("config.yml", sys.argv[1], sys.argv[2], fixed_model_name="small")
    agent = Agent.load(model)

    async def parse(texts):
        return [await agent.parse_message(text) for text in texts]

    found = asyncio.run(parse(json.loads(sys.argv[3])))
    print(json.dumps([
        {
            "intent": r["intent"]["name"],
            "confidence": r["intent"]["confidence"],
            "ranking": [entry["name"] for entry in r["intent_ranking"]],
            "entities": {e["entity"]: e["value"] for e in r["entities"]},
        }
        for r in found
    ]))
    """
)

MESSAGES = [
    "salio langu ni ngapi",  # an example it learnt
    "how much do I still owe you",  # unseen words, a learnt meaning
    "el oficial fue grosero quiero poner queja",
    "speak kiswahili",
    "हिंदी में बात करो",  # a Devanagari name, which \\b would not find
    "en español por favor",
    "loan l-2001",
    "how much do i still owe on L-7007",  # a question naming a loan is still that question
    "मेरा बाकी कितना है",  # learnt in Latin letters only: "mera baki kitna hai"
]


def test_the_pipeline_trains_saves_loads_and_classifies(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "small.yml").write_text(SMALL_DATA, encoding="utf-8")
    shutil.copy(PROJECT_ROOT / "nlu_data" / "nlu_languages.yml", data)
    output = run_in_rasa(PARSE, str(data), str(tmp_path / "models"), json.dumps(MESSAGES))
    parsed = dict(zip(MESSAGES, json.loads(output.strip().splitlines()[-1]), strict=True))

    assert parsed["salio langu ni ngapi"]["intent"] == "ask_balance"
    assert parsed["salio langu ni ngapi"]["confidence"] > 0.4  # over the fallback threshold
    assert parsed["how much do I still owe you"]["intent"] == "ask_balance"
    assert parsed["el oficial fue grosero quiero poner queja"]["intent"] == "complain"
    for message in MESSAGES:
        ranking = parsed[message]["ranking"]
        assert len(ranking) == len(set(ranking)) == 6  # every intent, each once, best first
        assert ranking[0] == parsed[message]["intent"] or parsed[message]["intent"] == (
            "nlu_fallback"
        )
    assert parsed["speak kiswahili"]["entities"] == {"language": "sw"}
    assert parsed["हिंदी में बात करो"]["entities"] == {"language": "hi"}
    assert parsed["en español por favor"]["entities"] == {"language": "es"}
    assert parsed["loan l-2001"]["entities"] == {"loan_account": "l-2001"}
    assert parsed["loan l-2001"]["intent"] == "choose_loan"
    assert parsed["मेरा बाकी कितना है"]["intent"] == "ask_balance"
    named = parsed["how much do i still owe on L-7007"]
    assert (named["intent"], named["entities"]) == ("ask_balance", {"loan_account": "L-7007"})


SCORES = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import yaml
    from bot.rasa_intents import NgramIntentClassifier, Scores, build

    examples = [
        (line[2:], item["intent"])
        for item in yaml.safe_load(sys.argv[1])["nlu"]
        for line in item["examples"].splitlines()
        if line.startswith("- ")
    ]
    texts = [text for text, _ in examples] + json.loads(sys.argv[2])
    texts += ["", "   ", "🙂", "zzzz qqqq", "L-1001 " * 40, "Ninataka KULALAMIKA!!"]
    config = NgramIntentClassifier.get_default_config()
    patterns = {"loan_account": [r"\\bL-\\d{4}\\b"]}
    for intents in (None, {"greet", "thank"}):  # all six intents; two (one column of scores)
        kept = [(t, i) for t, i in examples if intents is None or i in intents]
        pipeline = build(config, patterns).fit([t for t, _ in kept], [i for _, i in kept])
        scores = Scores(pipeline)
        assert scores.exact
        ours, theirs = scores(texts), pipeline.decision_function(texts)
        assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
        assert np.allclose(ours, theirs, rtol=1e-9, atol=1e-12), np.abs(ours - theirs).max()
        one_by_one = np.array([scores([text])[0] for text in texts])
        assert np.allclose(one_by_one, theirs, rtol=1e-9, atol=1e-12)
    # Weighted otherwise than TfidfVectorizer's defaults here: scikit-learn scores it.
    pipeline.steps[0][1].transformer_list[0][1].norm = "l1"
    assert not Scores(pipeline).exact
    assert np.array_equal(Scores(pipeline)(texts), pipeline.decision_function(texts))
    print("ok")
    """
)


def test_the_fast_scores_are_scikit_learns() -> None:
    assert run_in_rasa(SCORES, SMALL_DATA, json.dumps(MESSAGES)).strip().endswith("ok")
