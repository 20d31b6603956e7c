"""Which of Wazi's languages a message is plainly written in, if any.

Used to offer a switch when someone writes in another supported language. It only answers
when the message is clearly one language: Devanagari script is Hindi; otherwise at least two
common words of one language and more than of any other. Mixed messages (Sheng, Hinglish,
Franglais) usually get None, which is right: they are normal input, not a request to switch.
"""

from __future__ import annotations

import re
import unicodedata

_WORDS = {
    "en": {
        "the",
        "is",
        "my",
        "what",
        "when",
        "how",
        "much",
        "do",
        "i",
        "you",
        "please",
        "pay",
        "payment",
        "loan",
        "next",
        "owe",
        "have",
        "are",
        "can",
        "want",
        "thank",
        "and",
    },
    "sw": {
        "ni",
        "na",
        "yangu",
        "wangu",
        "nini",
        "lini",
        "kiasi",
        "gani",
        "nataka",
        "kujua",
        "mkopo",
        "deni",
        "kulipa",
        "malipo",
        "rejesho",
        "asante",
        "habari",
        "tafadhali",
        "ninadaiwa",
        "bado",
        "je",
        "kwa",
        "ya",
        "za",
        "wa",
        "nilipe",
        "salio",
    },
    "fr": {
        "je",
        "mon",
        "ma",
        "mes",
        "est",
        "quand",
        "combien",
        "le",
        "la",
        "les",
        "de",
        "du",
        "prochain",
        "paiement",
        "pret",
        "credit",
        "dois",
        "encore",
        "merci",
        "bonjour",
        "et",
        "vous",
        "pour",
        "quel",
        "quelle",
    },
    "es": {
        "el",
        "la",
        "mi",
        "mis",
        "es",
        "cuando",
        "cuanto",
        "debo",
        "pago",
        "proximo",
        "prestamo",
        "gracias",
        "hola",
        "que",
        "de",
        "del",
        "y",
        "por",
        "favor",
        "quiero",
        "saber",
        "todavia",
        "tengo",
    },
    "hi": {
        "mera",
        "meri",
        "mere",
        "kitna",
        "kitni",
        "kab",
        "hai",
        "hain",
        "kya",
        "agla",
        "agli",
        "kist",
        "karz",
        "baaki",
        "baki",
        "namaste",
        "dhanyavad",
        "shukriya",
        "mujhe",
        "chahiye",
        "batao",
        "bataiye",
        "ka",
        "ki",
        "ke",
    },
}
_TOKEN = re.compile(r"[a-z]+")


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def detect_language(text: str) -> str | None:
    """The language code a message is plainly written in, or None when unsure."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return None
    devanagari = sum(1 for c in letters if "\u0900" <= c <= "\u097f")
    if devanagari / len(letters) > 0.5:
        return "hi"
    tokens = _TOKEN.findall(_plain(text))
    scores = {code: sum(1 for t in tokens if t in words) for code, words in _WORDS.items()}
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    (best, top), (_, second) = ranked[0], ranked[1]
    if top >= 2 and top >= 2 * second and top >= len(tokens) / 3:
        return best
    return None
