"""FAQ answers from the clinic's own entries: BM25 ranking with stemming and synonyms.

Ranking is bm25s (Lucene BM25) over each entry's question (counted twice, as a field
boost) and answer, after one normalisation on both sides: words, a synonym group
mapped to its term (resources/faq_vocabulary.json), stopwords dropped, a Snowball
stem (PyStemmer).

Whether to answer at all is a separate question BM25 cannot settle: its scores are
unbounded and depend on the corpus, so a fixed threshold on them would mean nothing
from one clinic to the next. The confidence here is the idf-weighted share of the
question's terms that the best entry contains (terms no entry holds count as rare
as the rarest known term). Below `THRESHOLD` the answer is "I don't know" with the
clinic's phone number, never an unrelated entry.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import bm25s
import Stemmer
from bm25s.stopwords import STOPWORDS_EN_PLUS

VOCABULARY = Path(__file__).resolve().parents[3] / "resources" / "faq_vocabulary.json"
THRESHOLD = 0.45
WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class FaqEntry:
    id: str
    question: str
    answer: str
    category: str | None = None


@dataclass(frozen=True)
class FaqAnswer:
    answered: bool
    answer: str
    confidence: float
    entry: FaqEntry | None  # the entry cited; None when the assistant does not know


class Normaliser:
    """Text to terms, the same way for entries and questions."""

    def __init__(self, vocabulary: Path = VOCABULARY) -> None:
        table = json.loads(vocabulary.read_text())
        self._stemmer = Stemmer.Stemmer("english")
        self._groups: dict[str, str] = {}
        for term, words in table["groups"].items():
            for word in words:
                self._groups[word] = self._groups[self._stem(word)] = "~" + term
        self._stop = set(STOPWORDS_EN_PLUS) | set(table["stopwords"])

    def _stem(self, word: str) -> str:
        return str(self._stemmer.stemWord(word))

    def terms(self, text: str) -> list[str]:
        out: list[str] = []
        for word in WORD.findall(text.lower()):
            group = self._groups.get(word) or self._groups.get(self._stem(word))
            if group is not None:
                out.append(group)
            elif word not in self._stop:
                out.append(self._stem(word))
        return out


@lru_cache(maxsize=1)
def normaliser() -> Normaliser:
    return Normaliser()


class FaqIndex:
    def __init__(self, entries: list[FaqEntry], norm: Normaliser | None = None) -> None:
        self.entries = entries
        self._norm = norm or normaliser()
        self._docs = [self._norm.terms(f"{e.question} {e.question} {e.answer}")
                      for e in entries]
        self._bm25 = bm25s.BM25()
        if entries:
            self._bm25.index(self._docs, show_progress=False)
        df = Counter(term for doc in self._docs for term in set(doc))
        n = len(entries)
        self._idf = {term: _idf(n, count) for term, count in df.items()}
        self._rare = _idf(n, 1)

    def search(self, question: str, *, category: str | None = None,
               phone: str | None = None) -> FaqAnswer:
        terms = self._norm.terms(question)
        allowed = [i for i, e in enumerate(self.entries) if category and e.category == category]
        candidates = allowed or list(range(len(self.entries)))
        best, confidence = None, 0.0
        if terms and candidates:
            scores = self._bm25.get_scores(terms)
            top = max(candidates, key=lambda i: float(scores[i]))
            if float(scores[top]) > 0:
                best, confidence = top, self._coverage(terms, self._docs[top])
        if best is None or confidence < THRESHOLD:
            return FaqAnswer(False, unknown_reply(phone), round(confidence, 3), None)
        entry = self.entries[best]
        return FaqAnswer(True, entry.answer, round(confidence, 3), entry)

    def _coverage(self, terms: list[str], doc: list[str]) -> float:
        present = set(doc)
        weights = [(self._idf.get(t, self._rare), t in present) for t in set(terms)]
        total = sum(w for w, _ in weights)
        return sum(w for w, hit in weights if hit) / total if total else 0.0


def _idf(n: int, df: int) -> float:
    """Lucene's BM25 idf, the one bm25s uses by default."""
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def unknown_reply(phone: str | None) -> str:
    reach = f"please call the clinic at {phone}" if phone else "please call the clinic"
    return f"I'm sorry, I don't know the answer to that; {reach} and the front desk will help."
