"""Wazi's intent classifier, a Rasa component: TF-IDF n-grams and a linear SVM.

``config.yml`` names it in the NLU pipeline; it runs inside Rasa's environment. Each message
is first written in ASCII letters (``anyascii``): Devanagari Hindi becomes the romanized Hindi
many clients type ("कितना बाकी है" -> "kitna baki hai"), so the two halves of the Hindi
examples teach one another, and French and Spanish lose the accents clients leave out anyway.
It is then read four ways, each TF-IDF weighted with sublinear term frequency: character
n-grams inside words (1 to 4 letters: they survive misspellings and SMS spellings), word
unigrams and bigrams, character n-grams across words (3 to 6: short phrases), and character
n-grams of its consonant skeleton (vowels after a word's first letter dropped, so "futa" meets
"fta" and "kitana" meets "kitna"). One linear SVM over every intent of the five languages
classifies it.

Confidences for Rasa's FallbackClassifier (threshold 0.4, ambiguity 0.1) are the softmax of
the SVM's scores times ``confidence_scale`` (4). Measured on the same folds: 1.8% of right
answers fall under the thresholds and 37% of wrong ones are caught (the scale trades one for
the other: 2 sends 19% of right answers to the fallback, 8 catches 12% of wrong ones).
Platt scaling (``CalibratedClassifierCV``) caught fewer wrong answers (31%), scored about
0.002 lower and, trained on a handful of examples, left even a learnt sentence under the
threshold.

Measured on ``bot.nlu_report``'s 3 folds of 14,639 examples, against the logistic regression
on the first two readings that this component used before: the ASCII spelling raised Hindi's
weighted F1 from 0.919 to 0.947 (with the SVM), and all of it together took en / es / fr / hi /
sw from 0.932 / 0.930 / 0.935 / 0.915 / 0.939 to 0.940 / 0.944 / 0.947 / 0.957 / 0.942.
Why not Rasa's DIETClassifier: on Wazi's data it was both slower and less accurate than even
the logistic regression (0.016 to 0.032 lower F1 in every language on the same folds of the
data of the time, and about seven minutes of training). Entities are left
to the pipeline's RegexEntityExtractor (language names and loan accounts are closed lists and
fixed patterns).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from anyascii import anyascii
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
from scipy.special import softmax
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline, make_pipeline, make_union
from sklearn.svm import LinearSVC

logger = logging.getLogger(__name__)

# Words for the word n-grams: anything between spaces and punctuation. (The usual \w+ would cut
# Devanagari words at their vowel signs, which Unicode does not count as letters.)
WORD = r"[^\s.,!?;:¿¡()\"'«»]+"
MODEL_FILE = "intent_classifier.joblib"


class EntityWords:
    """Turns each match of the given entities' patterns into the entity's name (which loan is
    an entity, not a clue to the intent: "what is overdue on L-5001" is a question about
    arrears, not a choice of loan), then writes the text in lowercase ASCII letters. Kept in
    the trained model (picklable)."""

    def __init__(self, patterns: dict[str, list[str]]) -> None:
        self.patterns = {
            name: re.compile("|".join(f"(?:{p})" for p in found), re.IGNORECASE)
            for name, found in patterns.items()
        }

    def __call__(self, text: str) -> str:
        for name, pattern in self.patterns.items():
            text = pattern.sub(f" {name} ", text)
        return anyascii(text).lower()


class Skeleton:
    """The text as ``EntityWords`` writes it, with the vowels after each word's first letter
    dropped: "futa data" -> "ft dt", "kitana" -> "ktn"."""

    VOWELS = re.compile(r"(?<=\w)[aeiouy]+")

    def __init__(self, words: EntityWords) -> None:
        self.words = words

    def __call__(self, text: str) -> str:
        return self.VOWELS.sub("", self.words(text))


def build(config: dict[str, Any], patterns: dict[str, list[str]]) -> Pipeline:
    """The untrained scikit-learn pipeline for a component configuration and the regexes
    (by entity) that its texts are read with."""
    words = EntityWords(patterns)

    def tfidf(**reading: Any) -> TfidfVectorizer:
        return TfidfVectorizer(sublinear_tf=True, **{"preprocessor": words, **reading})

    features = make_union(
        tfidf(analyzer="char_wb", ngram_range=tuple(config["char_ngrams"])),
        tfidf(analyzer="word", ngram_range=tuple(config["word_ngrams"]), token_pattern=WORD),
        tfidf(analyzer="char", ngram_range=tuple(config["phrase_char_ngrams"])),
        tfidf(
            analyzer="char_wb",
            ngram_range=tuple(config["char_ngrams"]),
            preprocessor=Skeleton(words),
        ),
    )
    return make_pipeline(features, LinearSVC(C=config["C"], random_state=config["random_state"]))


class Scores:
    """A trained pipeline's ``decision_function``, computed without scikit-learn's per-call
    overhead. Rasa classifies one message at a time; for one short text, checking the input,
    building four sparse matrices, weighting, normalising and stacking them took about 2.7 ms
    (a tenth of a Rasa replica's CPU per turn, py-spy under bench/load.py), most of it fixed
    cost. Here each reading is scikit-learn's own analyzer (the same n-grams), looked up in
    its vocabulary, weighted as ``TfidfVectorizer`` weights (1 + log of the count, times the
    idf, L2-normalised), and multiplied by the SVM's coefficients for those n-grams alone. The
    scores are scikit-learn's, to rounding (tests/test_rasa_intents.py compares them). A
    pipeline built otherwise (another norm or weighting) is scored by scikit-learn."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        union, svm = pipeline.steps[0][1], pipeline.steps[-1][1]
        self.readings: list[tuple[Any, dict[str, int], np.ndarray, int]] = []
        offset = 0
        for _, reading in union.transformer_list:
            self.readings.append(
                (reading.build_analyzer(), reading.vocabulary_, reading.idf_, offset)
            )
            offset += len(reading.vocabulary_)
        self.coef = np.asarray(svm.coef_)
        self.intercept = np.asarray(svm.intercept_)
        self.exact = union.transformer_weights is None and all(
            isinstance(reading, TfidfVectorizer)
            and (reading.norm, reading.use_idf, reading.sublinear_tf, reading.binary)
            == ("l2", True, True, False)
            for _, reading in union.transformer_list
        )

    def __call__(self, texts: list[str]) -> np.ndarray:
        if not self.exact:
            return self.pipeline.decision_function(texts)
        rows = []
        for text in texts:
            row = self.intercept.astype(float)
            for analyze, vocabulary, idf, offset in self.readings:
                counts = Counter(
                    column for gram in analyze(text) if (column := vocabulary.get(gram)) is not None
                )
                if not counts:
                    continue
                columns = np.fromiter(counts, dtype=np.intp, count=len(counts))
                tf = np.fromiter(counts.values(), dtype=float, count=len(counts))
                weights = (np.log(tf) + 1.0) * idf[columns]
                weights /= np.sqrt(weights @ weights)
                row += self.coef[:, offset + columns] @ weights
            rows.append(row)
        scores = np.array(rows).reshape(len(texts), -1)
        return scores[:, 0] if scores.shape[1] == 1 else scores


def confidences(scores: np.ndarray, scale: float) -> np.ndarray:
    """Each message's intent probabilities from the SVM's scores (one row a message, one
    column an intent; with two intents scikit-learn gives one column, the second's score)."""
    if scores.ndim == 1:
        scores = np.column_stack([-scores, scores])
    return softmax(scale * scores, axis=1)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class NgramIntentClassifier(IntentClassifier, GraphComponent):
    """Intent from the message's own text; needs no featurizer before it."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "char_ngrams": [1, 4],
            "word_ngrams": [1, 2],
            "phrase_char_ngrams": [3, 6],
            "C": 1.0,
            "confidence_scale": 4.0,
            "random_state": 42,
            "ranking_length": 10,
            # Entities whose regexes in the training data (nlu_data/nlu_languages.yml) are read
            # as one word, the entity's name.
            "entity_words": ["loan_account"],
        }

    @staticmethod
    def required_packages() -> list[str]:
        return ["sklearn", "anyascii"]

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
        self.scores = Scores(pipeline) if pipeline is not None else None

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
        self.scores = Scores(pipeline)
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
        if self.pipeline is None or self.scores is None:
            return messages
        texts = [message.get(TEXT) or "" for message in messages]
        scores = self.scores(texts)
        probabilities = confidences(scores, self.config["confidence_scale"])
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
