"""Wazi's intent classifier, a Rasa component: TF-IDF n-grams and logistic regression.

``config.yml`` names it in the NLU pipeline; it runs inside Rasa's environment. Each message
is read as character n-grams (1 to 4 letters inside word boundaries: they survive the
misspellings, missing accents and SMS spellings clients type, in any script) and word unigrams
and bigrams, both TF-IDF weighted with sublinear term frequency, and classified by one
multinomial logistic regression over every intent of the five languages.

Why not Rasa's DIETClassifier: on Wazi's data it was both slower and less accurate. In the
same 3-fold cross-validation (``make nlu-report``, 9,936 examples) DIET scored 0.016 to 0.032
lower weighted F1 in every language, and it took about seven of the seven and a half minutes
of training; this trains in about a minute. Entities are left to the pipeline's
RegexEntityExtractor (language names and loan accounts are closed lists and fixed patterns).

The probabilities go to Rasa's FallbackClassifier as confidences: with a weak regularisation
(``C`` 100) a right guess is rarely under the fallback threshold and a wrong one often is.
"""

from __future__ import annotations

import hashlib
import logging
import re
from pathlib import Path
from typing import Any

import joblib
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline, make_union

logger = logging.getLogger(__name__)

# Words for the word n-grams: anything between spaces and punctuation. (The usual \w+ would cut
# Devanagari words at their vowel signs, which Unicode does not count as letters.)
WORD = r"[^\s.,!?;:¿¡()\"'«»]+"
MODEL_FILE = "intent_classifier.joblib"


class EntityWords:
    """Lowercases a text and turns each match of the given entities' patterns into the entity's
    name: which loan is an entity, not a clue to the intent ("what is overdue on L-5001" is a
    question about arrears, not a choice of loan). Kept in the trained model (picklable)."""

    def __init__(self, patterns: dict[str, list[str]]) -> None:
        self.patterns = {
            name: re.compile("|".join(f"(?:{p})" for p in found), re.IGNORECASE)
            for name, found in patterns.items()
        }

    def __call__(self, text: str) -> str:
        text = text.lower()
        for name, pattern in self.patterns.items():
            text = pattern.sub(f" {name} ", text)
        return text


def build(config: dict[str, Any], patterns: dict[str, list[str]]) -> Pipeline:
    """The untrained scikit-learn pipeline for a component configuration and the regexes
    (by entity) that its texts are read with."""
    normalise = EntityWords(patterns)
    low, high = config["char_ngrams"]
    features = make_union(
        TfidfVectorizer(
            preprocessor=normalise,
            analyzer="char_wb",
            ngram_range=(low, high),
            sublinear_tf=True,
        ),
        TfidfVectorizer(
            preprocessor=normalise,
            analyzer="word",
            ngram_range=tuple(config["word_ngrams"]),
            sublinear_tf=True,
            token_pattern=WORD,
        ),
    )
    model = LogisticRegression(
        C=config["C"], max_iter=config["max_iter"], random_state=config["random_state"]
    )
    return make_pipeline(features, model)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class NgramIntentClassifier(IntentClassifier, GraphComponent):
    """Intent from the message's own text; needs no featurizer before it."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "char_ngrams": [1, 4],
            "word_ngrams": [1, 2],
            "C": 100.0,
            "max_iter": 5000,
            "random_state": 42,
            "ranking_length": 10,
            # Entities whose regexes in the training data (nlu_data/nlu_languages.yml) are read
            # as one word, the entity's name.
            "entity_words": ["loan_account"],
        }

    @staticmethod
    def required_packages() -> list[str]:
        return ["sklearn"]

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str:
        """This file's contents: Rasa's training cache fingerprints a component by its class
        name and configuration, so without this a changed classifier would be restored from
        the cache as it was."""
        return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        pipeline: Pipeline | None = None,
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.pipeline = pipeline

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> NgramIntentClassifier:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        if len({e.get(INTENT) for e in examples}) < 2:
            logger.warning("Fewer than two intents to learn: the intent classifier is skipped.")
            return self._resource
        patterns: dict[str, list[str]] = {}
        for regex in training_data.regex_features:
            if regex["name"] in self.config["entity_words"]:
                patterns.setdefault(regex["name"], []).append(regex["pattern"])
        pipeline = build(self.config, patterns)
        pipeline.fit([e.get(TEXT) for e in examples], [e.get(INTENT) for e in examples])
        self.pipeline = pipeline
        with self._model_storage.write_to(self._resource) as folder:
            joblib.dump(pipeline, folder / MODEL_FILE)
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> NgramIntentClassifier:
        try:
            with model_storage.read_from(resource) as folder:
                pipeline = joblib.load(folder / MODEL_FILE)
        except (ValueError, FileNotFoundError):
            logger.warning("No trained intent classifier in the model: intents stay empty.")
            pipeline = None
        return cls(config, model_storage, resource, pipeline)

    def process(self, messages: list[Message]) -> list[Message]:
        if self.pipeline is None:
            return messages
        texts = [message.get(TEXT) or "" for message in messages]
        probabilities = self.pipeline.predict_proba(texts)
        intents = self.pipeline.classes_
        for message, row in zip(messages, probabilities, strict=True):
            ranking = sorted(
                (
                    {INTENT_NAME_KEY: str(name), PREDICTED_CONFIDENCE_KEY: float(p)}
                    for name, p in zip(intents, row, strict=True)
                ),
                key=lambda entry: -entry[PREDICTED_CONFIDENCE_KEY],
            )
            kept = ranking[: self.config["ranking_length"]]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, kept, add_to_output=True)
        return messages
