"""What this person's records hold, for reading a question against them: codes with
their display names, and fuzzy matching of question words against those names
(rapidfuzz, so "cholestrol" or "haemoglobin" still find the person's tests).

A measure is resolved to the alternative code the person actually has (the one with
most numeric readings), so "eGFR" becomes 33914-3 for one patient and 62238-1 for
another.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from storage.repos.catalogue import CodeEntry

# Words that say nothing about which test is meant.
STOP = frozenset("""a an and are at be been by did do does for from had has have how i in is it
its last latest level levels me most my of on or over result results show since tell test tests
than that the this to was were what when which with your value values reading readings recent
current currently now today ever been doing get got any all ever good bad normal high low
take taking taken using""".split())
FUZZY_SCORE = 88  # rapidfuzz WRatio at or above this is the same name (typos, plurals)


@dataclass(frozen=True)
class Holdings:
    entries: tuple[CodeEntry, ...] = ()

    def has(self, code: str) -> bool:
        return any(e.code == code for e in self.entries)

    def resolve(self, codes: tuple[str, ...]) -> str | None:
        """The code among `codes` with most numeric readings here (text-only codes last)."""
        held = [e for e in self.entries if e.code in codes]
        if not held:
            return None
        return max(held, key=lambda e: (e.numeric, e.n)).code

    def display(self, code: str) -> str | None:
        entry = next((e for e in self.entries if e.code == code and e.displays), None)
        return entry.displays[0] if entry else None

    def last_date(self, codes: tuple[str, ...]) -> str | None:
        dates = [e.last for e in self.entries if e.code in codes and e.last]
        return max(dates).isoformat() if dates else None

    def in_urine(self, name: str) -> str | None:
        """The person's urine test of that name ("glucose" -> "Glucose [Mass/volume] in
        Urine"), most readings first; None when they have none."""
        held = [e for e in self.entries if any(
            "urine" in d.lower() and name in _plain(d) for d in e.displays)]
        return max(held, key=lambda e: (e.numeric, e.n)).code if held else None

    def named_as(self, word: str) -> tuple[CodeEntry, ...]:
        """Entries whose name has `word` as a word of its own ("xr" in "XR Chest 2 Views")."""
        return tuple(e for e in self.entries if any(word in _plain(d).split()
                                                    for d in e.displays))

    def names(self, *, asked: bool = True) -> dict[str, str]:
        """display name (lower case, bracketed qualifiers dropped) -> code; without the
        names that are a questionnaire's questions when not `asked`."""
        out: dict[str, str] = {}
        for e in self.entries:
            for d in e.displays:
                if asked or not d.rstrip().endswith("?"):
                    out.setdefault(_plain(d), e.code)
        return out

    def match(self, terms: list[str]) -> list[str]:
        """Codes whose display name matches one of `terms` (a word or a phrase). A
        questionnaire item's name is a whole question ("Do you feel physically and
        emotionally safe where you currently live?"): only a phrase matches it, since
        one of its everyday words says nothing about which record is meant."""
        names, named = self.names(), self.names(asked=False)
        found: list[str] = []
        for term in terms:
            if term in STOP or len(term) < 3:
                continue
            pool = names if " " in term else named
            for _name, score, _ in process.extract(term, list(pool), scorer=_score, limit=3):
                code = pool[_name]
                if score >= FUZZY_SCORE and code not in found:
                    found.append(code)
        return found

    def nearest(self, phrase: str, limit: int = 3) -> list[str]:
        """Display names closest to `phrase` (for "your records have no X; they do hold ...")."""
        names = list(self.names())
        hits = process.extract(phrase, names, scorer=fuzz.token_set_ratio, limit=limit)
        return [name for name, score, _ in hits if score >= 50]


def _score(term: str, name: str, **_: object) -> float:
    """A term matches a name when it is (nearly) one of the name's words or phrases."""
    words = name.split()
    if " " in term:
        return fuzz.partial_ratio(term, name) if len(term) >= 6 else 0.0
    return max((fuzz.ratio(term, w) for w in words if len(w) >= 3), default=0.0)


def _plain(display: str) -> str:
    text = re.sub(r"\[[^\]]*\]|\([^)]*\)", " ", display.lower().replace("\u200b", ""))
    return " ".join(re.findall(r"[a-z0-9][a-z0-9.-]*", text))


def question_terms(lowered: str) -> list[str]:
    """Single words and two-word phrases of a question, for matching names."""
    words = list(re.findall(r"[a-z0-9][a-z0-9-]*", lowered))
    pairs = [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)
             if a not in STOP and b not in STOP]
    return pairs + [w for w in words if w not in STOP]
