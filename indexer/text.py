"""Vietnamese text normalisation for retrieval.

- ``normalize``: NFC, lowercase, punctuation to spaces, single spaces.
- ``fold``: strip diacritics (``đ`` -> ``d``) so accented and unaccented forms compare equal.
- ``expand_chat``: common chat abbreviations and teencode to plain words (``ko`` -> ``không``).
- ``Glossary expansion``: a catalogue term found in the text appends its canonical form
  (``sổ đỏ`` -> ``giấy chứng nhận quyền sử dụng đất``); matching is on folded text.
- ``lexical_tokens``: underthesea word segmentation, then folded syllables plus folded compound
  words, for BM25. Syllables make unaccented queries (which segment differently) still match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from vntext import fold, nfc  # the one folding every package shares

# Bump when lexical_tokens changes: builds then re-tokenise instead of reusing stored tokens.
LEXICAL_VERSION = "2:fold+soundkey+underthesea"

_PUNCT_RE = re.compile(r"[^\w\s]|_", re.UNICODE)
_SPACE_RE = re.compile(r"\s+")

# Chat abbreviations seen in citizens' messages; keys are matched as whole words after
# normalisation. Domain abbreviations (CCCD, GPLX, đkkd...) live in the catalogue glossary.
CHAT_WORDS: dict[str, str] = {
    "k": "không", "ko": "không", "kh": "không", "khg": "không", "hok": "không", "hông": "không",
    "kô": "không", "j": "gì", "ji": "gì", "dc": "được", "đc": "được",
    "đk": "đăng ký", "dk": "đăng ký", "đky": "đăng ký", "dky": "đăng ký", "đki": "đăng ký",
    "dki": "đăng ký", "kd": "kinh doanh", "dn": "doanh nghiệp",
    "ntn": "như thế nào", "nt": "như thế", "sao z": "sao vậy", "bn": "bao nhiêu",
    "bnhiu": "bao nhiêu", "bao nhiu": "bao nhiêu", "nhiu": "nhiêu", "mk": "mình", "mik": "mình",
    "mh": "mình", "vs": "với", "cx": "cũng", "cg": "cũng", "z": "vậy", "v": "vậy", "r": "rồi",
    "ng": "người", "bít": "biết", "bik": "biết", "lm": "làm", "lam j": "làm gì", "ch": "chưa",
    "tn": "thế nào", "thủ tuc": "thủ tục", "tt": "thủ tục", "tthc": "thủ tục hành chính",
    "hs": "hồ sơ", "ubnd": "ủy ban nhân dân", "ub": "ủy ban", "xã/phường": "xã phường",
    "trc": "trước", "ms": "mới", "mún": "muốn", "mun": "muốn", "wa": "qua", "qa": "qua",
    "onl": "online", "ol": "online", "on": "online", "oke": "ok", "ạk": "ạ", "ah": "à",
    "e": "em", "a": "anh", "c": "chị", "ad": "admin", "nhìu": "nhiều", "nhiu nhieu": "nhiêu",
    "t": "tôi", "tớ": "tôi", "hk": "không", "hem": "không", "đag": "đang", "dag": "đang",
    "cần j": "cần gì", "gì v": "gì vậy", "mất bn": "mất bao nhiêu", "h": "giờ", "bjo": "bây giờ",
    "bh": "bao giờ", "bg": "bao giờ", "kq": "kết quả", "gt": "giấy tờ", "gthieu": "giới thiệu",
}

def normalize(text: str) -> str:
    """NFC, lowercase, punctuation and underscores to spaces, collapse whitespace."""
    text = nfc(text).lower()
    text = _PUNCT_RE.sub(" ", text)
    return _SPACE_RE.sub(" ", text).strip()


def is_plain(text: str) -> bool:
    """True when the text has letters but no Vietnamese diacritics (typed "without accents")."""
    text = normalize(text)
    return text.isascii() and any(c.isalpha() for c in text)


def _phrase_pattern(keys: Iterable[str]) -> re.Pattern[str]:
    alternatives = sorted(set(keys), key=len, reverse=True)
    return re.compile(r"(?<!\w)(" + "|".join(re.escape(k) for k in alternatives) + r")(?!\w)")


_CHAT_RE = _phrase_pattern(CHAT_WORDS)
_LEADING_F_RE = re.compile(r"(?<!\w)f(?=[aeiouyàáảãạâầấẩẫậăằắẳẵặèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ])")


def expand_chat(text: str) -> str:
    """Replace chat abbreviations in already ``normalize``-d text (``ko`` -> ``không``)."""
    text = _LEADING_F_RE.sub("ph", text)
    return _CHAT_RE.sub(lambda m: CHAT_WORDS[m.group(1)], text)


@dataclass(frozen=True)
class GlossaryIndex:
    """Folded glossary terms -> canonical phrases, matched as whole words."""

    canonical_by_term: dict[str, tuple[str, ...]]

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]]) -> GlossaryIndex:
        table: dict[str, list[str]] = {}
        for term, canonical in pairs:
            key = fold(normalize(term))
            if key and canonical:
                table.setdefault(key, [])
                if canonical not in table[key]:
                    table[key].append(canonical)
        return cls({k: tuple(v) for k, v in table.items()})

    @classmethod
    def empty(cls) -> GlossaryIndex:
        return cls({})

    @property
    def _pattern(self) -> re.Pattern[str] | None:
        return _glossary_pattern(tuple(sorted(self.canonical_by_term)))

    def expansions(self, text: str) -> list[str]:
        """Canonical phrases for every glossary term in ``text`` (any accents, any case)."""
        pattern = self._pattern
        if pattern is None:
            return []
        found: list[str] = []
        for match in pattern.finditer(fold(normalize(text))):
            for canonical in self.canonical_by_term[match.group(1)]:
                if canonical not in found:
                    found.append(canonical)
        return found


@lru_cache(maxsize=8)
def _glossary_pattern(keys: tuple[str, ...]) -> re.Pattern[str] | None:
    return _phrase_pattern(keys) if keys else None


@dataclass(frozen=True)
class AnalyzedQuery:
    raw: str
    text: str  # normalised, chat words expanded, glossary canonicals appended: for the encoder
    tokens: list[str]  # for BM25


def analyze_query(query: str, glossary: GlossaryIndex | None = None) -> AnalyzedQuery:
    text = expand_chat(normalize(query))
    extra = glossary.expansions(text) if glossary else []
    if extra:
        text = text + " " + " ".join(normalize(e) for e in extra)
    return AnalyzedQuery(raw=query, text=text, tokens=lexical_tokens(text))


def _segment(text: str) -> list[str]:
    from underthesea import word_tokenize  # heavy import, kept lazy

    return list(word_tokenize(text))


_INITIALS = (("ngh", "ng"), ("kh", "kh"), ("tr", "ch"), ("gi", "d"), ("gh", "g"), ("s", "x"), ("r", "d"),
             ("z", "d"), ("k", "c"))
_FINALS = (("ng", "n"), ("nh", "n"), ("ch", "t"), ("c", "t"), ("y", "i"))


@lru_cache(maxsize=65536)
def sound_key(syllable: str) -> str:
    """Fold a (folded) syllable over common spelling confusions, so "chú"/"trú",
    "cướt"/"cước", "vắn"/"vắng", "kí"/"ký" share a key."""
    for old, new in _INITIALS:
        if syllable.startswith(old) and len(syllable) > len(old):
            syllable = new + syllable[len(old):]
            break
    for old, new in _FINALS:
        if syllable.endswith(old) and len(syllable) > len(old):
            syllable = syllable[: -len(old)] + new
            break
    return syllable


def lexical_tokens(text: str, *, segment: bool = True) -> list[str]:
    """BM25 tokens: folded syllables, their sound keys (``~key``, for typos) and folded
    multi-syllable words (``a_b``). IDF takes care of stopwords."""
    text = normalize(text)
    if not text:
        return []
    words = _segment(text) if segment else text.split()
    tokens: list[str] = []
    for word in words:
        syllables = [fold(s) for s in normalize(word).split()]
        for syl in syllables:
            if syl:
                tokens.append(syl)
                tokens.append("~" + sound_key(syl))
        if len(syllables) > 1:
            tokens.append("_".join(syllables))
    return tokens


def syllables(text: str) -> list[str]:
    """Folded syllables of ``text`` (no segmentation): for name matching."""
    return fold(normalize(text)).split()


def warm_up() -> None:
    """Load underthesea's segmentation model now rather than on the first query."""
    _segment("khởi động")
