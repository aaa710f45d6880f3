"""Families of near-duplicate procedures ("Đăng ký khai sinh", "Đăng ký lại khai sinh",
"Đăng ký khai sinh có yếu tố nước ngoài"), so an answer can say which variant it chose and
offer the others.

Two procedures are in one family when their names are the same once the variant markers
(cấp lại, cấp đổi, đăng ký lại, gia hạn, xóa, có yếu tố nước ngoài, cấp tỉnh / cấp xã, …) and
the leading verb are taken out, or when those remainders share most of their words
(Jaccard >= ``SAME_FIELD_OVERLAP``) and the procedures are in the same field. Families are
computed once per catalogue (the searcher's procedure map) and cached.
"""

from __future__ import annotations

import math
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from indexer.catalog.schema import Procedure
from indexer.text import fold, normalize

SAME_FIELD_OVERLAP = 0.6
MAX_SIBLINGS = 4
# The level nearest the citizen first: since 1 July 2025 the commune serves most citizens.
LEVEL_ORDER = ("cấp xã", "cấp tỉnh", "cấp trung ương", "cơ quan khác")
LEVEL_MARKERS = frozenset({"cap tinh", "cap xa", "tai cap xa", "tai cap tinh"})
# Words in a question that name a level: (folded pattern, level)
_LEVEL_WORDS = (
    (re.compile(r"(?<!\w)(cap xa|(?:ubnd|uy ban nhan dan) (?:cap )?(?:xa|phuong))(?!\w)"),
     "cấp xã"),
    (re.compile(r"(?<!\w)(cap tinh|(?:ubnd|uy ban nhan dan) (?:cap )?tinh)(?!\w)"), "cấp tỉnh"),
)

# Folded; longest first so "đăng ký lại" is taken before "đăng ký".
VARIANT_MARKERS = tuple(sorted((
    "cap lai", "cap doi", "cap moi", "dang ky lai", "thay doi", "dieu chinh", "gia han", "xoa",
    "co yeu to nuoc ngoai", "cho to chuc", "cho ca nhan", "cap tinh", "cap xa", "tai cap xa",
    "tai cap tinh", "doi", "lan dau",
), key=len, reverse=True))
_LEADING_VERBS = ("dang ky", "cap", "lam", "thu tuc")
_MARKER_RE = re.compile(r"(?<!\w)(" + "|".join(re.escape(m) for m in VARIANT_MARKERS) + r")(?!\w)")


def _folded(text: str) -> str:
    return fold(normalize(text))


def name_key(name: str) -> tuple[str, frozenset[str]]:
    """(remainder of the name without markers and leading verb, the markers it had)."""
    text = _folded(re.sub(r"\([^)]*\)", " ", name))
    markers = frozenset(_MARKER_RE.findall(text))
    rest = " ".join(_MARKER_RE.sub(" ", text).split())
    for verb in _LEADING_VERBS:
        if rest.startswith(verb + " "):
            rest = rest[len(verb) + 1:]
    return rest, markers


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def _similar_pairs(ids: list[str], words: Mapping[str, set[str]],
                   fields: Mapping[str, str]) -> list[tuple[str, str]]:
    """Pairs in the same field whose word sets have Jaccard >= SAME_FIELD_OVERLAP, found by
    prefix filtering (two such sets share one of their rarest words), so a portal-sized
    catalogue is not compared pair by pair."""
    freq: dict[str, int] = {}
    for pid in ids:
        for w in words[pid]:
            freq[w] = freq.get(w, 0) + 1
    index: dict[tuple[str, str], list[str]] = {}
    pairs = []
    for pid in ids:
        ranked = sorted(words[pid], key=lambda w: (freq[w], w))
        prefix = ranked[:len(ranked) - math.ceil(SAME_FIELD_OVERLAP * len(ranked)) + 1]
        seen: set[str] = set()
        for w in prefix:
            for other in index.get((fields[pid], w), ()):
                if other not in seen:
                    seen.add(other)
                    if _jaccard(words[pid], words[other]) >= SAME_FIELD_OVERLAP:
                        pairs.append((pid, other))
            index.setdefault((fields[pid], w), []).append(pid)
    return pairs


@dataclass(frozen=True)
class Families:
    members: Mapping[str, tuple[str, ...]]  # procedure id -> its family, in catalogue order
    markers: Mapping[str, frozenset[str]]  # procedure id -> variant markers in its name
    procedures: Mapping[str, Procedure]

    @classmethod
    def build(cls, procedures: Iterable[Procedure]) -> Families:
        procs = {p.id: p for p in procedures if p.is_current}
        keys = {pid: name_key(p.name) for pid, p in procs.items()}
        words = {pid: set(k.split()) for pid, (k, _) in keys.items()}
        parent = {pid: pid for pid in procs}

        def root(x: str) -> str:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        ids = list(procs)
        first_with_key: dict[str, str] = {}
        for pid in ids:  # same remainder: one family, whatever the field
            key = keys[pid][0]
            if key:
                parent[root(pid)] = root(first_with_key.setdefault(key, pid))
        for a, b in _similar_pairs(ids, words, {pid: procs[pid].field for pid in ids}):
            parent[root(a)] = root(b)
        groups: dict[str, list[str]] = {}
        for pid in ids:
            groups.setdefault(root(pid), []).append(pid)
        members = {pid: tuple(g) for g in groups.values() if len(g) > 1 for pid in g}
        return cls(members, {pid: m for pid, (_, m) in keys.items()}, procs)

    def related(self, a: str, b: str) -> bool:
        return a != b and b in self.members.get(a, ())

    def siblings(self, procedure_id: str, *, prefer: Iterable[str] = ()) -> list[Procedure]:
        """The other members of the family (``prefer``red ids first), at most MAX_SIBLINGS."""
        family = [m for m in self.members.get(procedure_id, ()) if m != procedure_id]
        order = {pid: i for i, pid in enumerate(prefer)}
        family.sort(key=lambda m: order.get(m, len(order)))
        return [self.procedures[m] for m in family[:MAX_SIBLINGS]]

    def names_variant(self, text: str, procedure_id: str) -> bool:
        """The text names this very variant: its name or an alias in full, or the markers that
        set it apart from every sibling ("cấp lại" for "Cấp lại thẻ căn cước")."""
        proc = self.procedures.get(procedure_id)
        if proc is None:
            return False
        folded = f" {_folded(text)} "
        if any(f" {_folded(n)} " in folded for n in proc.all_names()):
            return True
        own = self.markers.get(procedure_id, frozenset())
        if not own or not all(re.search(rf"(?<!\w){re.escape(m)}(?!\w)", folded) for m in own):
            return False
        return not any(own <= self.markers.get(s, frozenset())
                       for s in self.members.get(procedure_id, ()) if s != procedure_id)


    def fitting(self, text: str, ids: Iterable[str]) -> list[str]:
        """The members among ``ids`` that the text fits: every variant marker of the member's
        name (level markers aside) is in the text, and, when the text names a level, the member
        is at that level; a member whose markers are a subset of another fitting member's is
        dropped. Two or more means the question does not say which one."""
        folded = f" {_folded(text)} "
        wanted = [level for pattern, level in _LEVEL_WORDS if pattern.search(folded)]
        fit = []
        for pid in ids:
            proc = self.procedures.get(pid)
            if proc is None:
                continue
            own = self.markers.get(pid, frozenset()) - LEVEL_MARKERS
            if not all(re.search(rf"(?<!\w){re.escape(m)}(?!\w)", folded) for m in own):
                continue
            if len(wanted) == 1 and wanted[0] not in proc.levels:
                continue
            fit.append((pid, own))
        # "cấp lại …" fits the base record and the re-issue; the one that says more wins
        return [pid for pid, own in fit if not any(own < other for _, other in fit)]


def level_rank(proc: Procedure) -> int:
    """Where a procedure's nearest level comes in ``LEVEL_ORDER`` (commune first)."""
    return min((LEVEL_ORDER.index(lv) for lv in proc.levels if lv in LEVEL_ORDER),
               default=len(LEVEL_ORDER))


def by_level(procs: Iterable[Procedure]) -> list[Procedure]:
    """Commune-level members first, then provincial, then central; ties keep their order."""
    return sorted(procs, key=level_rank)


def display_names(procs: list[Procedure]) -> dict[str, str]:
    """Names for a list of choices: a name shared by two of them gets its level added
    ("… (cấp xã)"), so the buttons can be told apart."""
    counts: dict[str, int] = {}
    for p in procs:
        counts[_folded(p.name)] = counts.get(_folded(p.name), 0) + 1
    return {p.id: (f"{p.name} ({', '.join(p.levels)})" if counts[_folded(p.name)] > 1 else p.name)
            for p in procs}


_CACHE: OrderedDict[int, tuple[Mapping[str, Procedure], Families]] = OrderedDict()
_CACHE_SIZE = 4
_LOCK = threading.Lock()


def families_of(procedures: Mapping[str, Procedure]) -> Families:
    """The families of one catalogue version, built once (keyed by the mapping's identity: a
    reloaded index brings a new mapping)."""
    with _LOCK:
        hit = _CACHE.get(id(procedures))
        if hit is not None and hit[0] is procedures:
            _CACHE.move_to_end(id(procedures))
            return hit[1]
    families = Families.build(procedures.values())
    with _LOCK:
        _CACHE[id(procedures)] = (procedures, families)  # holds the mapping: its id stays unique
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return families


def families_for(searcher: object) -> Families | None:
    """The families of the searcher's loaded catalogue; None when it lists no procedures."""
    procedures = getattr(searcher, "procedures", None)
    if callable(procedures):
        procedures = procedures()
    if not isinstance(procedures, Mapping) or not procedures:
        return None
    return families_of(procedures)
