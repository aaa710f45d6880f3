"""Retrieval evaluation on a JSONL question set, and calibration of confidence/abstention.

Each line: ``{"q": str, "procedure": name-or-null, "code": str?, "aspect": str?, "style": str?}``.
A hit is a returned procedure whose name or alias equals ``procedure`` (case-insensitive, a
leading "Thủ tục " ignored) or, when the line has a ``code`` (the official code, e.g.
"1.001193", shared by a curated record and its portal import), whose code equals it. A line
with neither is out of scope, where abstaining is right. Recall counts an abstention as a miss.
``n`` and the recalls are over in-scope questions; ``oos_n`` counts the out-of-scope ones.
``style_metrics`` gives R@1 and the abstention rate for each ``style`` separately.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indexer.calibration import MODE_FEATURES, Calibration, fit_calibration
from indexer.errors import IndexerError
from indexer.results import SearchResult
from indexer.text import is_plain, nfc

logger = logging.getLogger(__name__)

ALPHAS = (0.0, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0)
BETAS = (0.0, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5)


def name_key(name: str) -> str:
    key = " ".join(nfc(name).casefold().split())
    return key.removeprefix("thủ tục ").strip()


@dataclass(frozen=True)
class Question:
    q: str
    procedure: str | None
    aspect: str | None = None
    style: str | None = None
    code: str | None = None  # official code; labels the expected procedure with ``procedure``

    @property
    def in_scope(self) -> bool:
        return self.procedure is not None or self.code is not None


def load_questions(path: Path) -> list[Question]:
    out = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise IndexerError(f"cannot read questions file {path}: {exc}") from exc
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            code = row.get("code")
            out.append(Question(str(row["q"]), row.get("procedure"), row.get("aspect"),
                                row.get("style"), str(code) if code is not None else None))
        except (ValueError, KeyError, TypeError) as exc:
            raise IndexerError(f"{path}:{lineno}: bad question line ({exc})") from exc
    return out


@dataclass
class Outcome:
    question: Question
    result: SearchResult
    expected_ids: set[str]
    rank: int | None  # 1-based rank of the right procedure (None: missing or abstained)


SearchFn = Callable[[str], SearchResult]


def names_to_ids(procedures: dict[str, Any]) -> dict[str, set[str]]:
    table: dict[str, set[str]] = {}
    for pid, p in procedures.items():
        for name in p.all_names():
            table.setdefault(name_key(name), set()).add(pid)
    return table


def codes_to_ids(procedures: dict[str, Any]) -> dict[str, set[str]]:
    """Official code -> procedure ids (a curated record and its import share one code)."""
    table: dict[str, set[str]] = {}
    for pid, p in procedures.items():
        if getattr(p, "code", None):
            table.setdefault(str(p.code).strip(), set()).add(pid)
    return table


def expected_ids(question: Question, names: dict[str, set[str]],
                 codes: dict[str, set[str]] | None = None) -> set[str]:
    """Ids that count as a hit: the labelled code's procedures plus those of the same name."""
    expected: set[str] = set()
    if question.code is not None and codes is not None:
        expected |= codes.get(question.code.strip(), set())
    if question.procedure is not None:
        expected |= names.get(name_key(question.procedure), set())
    return expected


def run(search: SearchFn, questions: Sequence[Question], names: dict[str, set[str]],
        codes: dict[str, set[str]] | None = None) -> list[Outcome]:
    outcomes = []
    unknown = set()
    for question in questions:
        result = search(question.q)
        expected: set[str] = set()
        if question.in_scope:
            expected = expected_ids(question, names, codes)
            if not expected:
                unknown.add(question.code or question.procedure)
        rank = None
        if question.in_scope and not result.abstain:
            for i, hit in enumerate(result.hits, 1):
                if hit.procedure_id in expected:
                    rank = i
                    break
        outcomes.append(Outcome(question, result, expected, rank))
    for name in sorted(unknown):
        logger.warning("eval.unknown_procedure", extra={"procedure": name})
    return outcomes


def metrics(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    inscope = [o for o in outcomes if o.question.in_scope]
    oos = [o for o in outcomes if not o.question.in_scope]
    n = len(inscope)

    def recall(k: int, rows: Sequence[Outcome]) -> float:
        return round(sum(1 for o in rows if o.rank is not None and o.rank <= k) / len(rows), 4) \
            if rows else 0.0

    styles: dict[str, list[Outcome]] = {}
    for o in inscope:
        styles.setdefault(o.question.style or "unspecified", []).append(o)
    return {
        "n": n,
        "recall_at_1": recall(1, inscope),
        "recall_at_3": recall(3, inscope),
        "recall_at_5": recall(5, inscope),
        "mrr": round(sum(1.0 / o.rank for o in inscope if o.rank) / n, 4) if n else 0.0,
        "oos_n": len(oos),
        "oos_abstain_rate": round(sum(o.result.abstain for o in oos) / len(oos), 4) if oos else 0.0,
        "inscope_abstain_rate": round(sum(o.result.abstain for o in inscope) / n, 4) if n else 0.0,
        "by_style": {s: {"n": len(rows), "recall_at_1": recall(1, rows)}
                     for s, rows in sorted(styles.items())},
    }


def style_metrics(outcomes: Sequence[Outcome]) -> dict[str, dict[str, Any]]:
    """Per ``style``: size, whether it is in scope, R@1/R@3/MRR (in scope) and the abstention
    rate (the right behaviour out of scope, a miss in scope)."""
    groups: dict[str, list[Outcome]] = {}
    for o in outcomes:
        groups.setdefault(o.question.style or "unspecified", []).append(o)
    out: dict[str, dict[str, Any]] = {}
    for style, rows in sorted(groups.items()):
        n = len(rows)
        inscope = [o for o in rows if o.question.in_scope]
        entry: dict[str, Any] = {"n": n, "in_scope": len(inscope) == n,
                                 "abstain_rate": round(sum(o.result.abstain for o in rows) / n, 4)}
        if inscope:
            k = len(inscope)
            entry["recall_at_1"] = round(sum(o.rank == 1 for o in inscope) / k, 4)
            entry["recall_at_3"] = round(sum(o.rank is not None and o.rank <= 3
                                             for o in inscope) / k, 4)
            entry["mrr"] = round(sum(1.0 / o.rank for o in inscope if o.rank) / k, 4)
        out[style] = entry
    return out


def calibrate(searcher: Any, questions: Sequence[Question], *, alphas: Sequence[float] = ALPHAS,
              betas: Sequence[float] = BETAS, max_inscope_abstain: float = 0.05,
              fitted_on: str = "") -> Calibration:
    """Choose the fusion weights by Recall@1/MRR, then fit confidence and the threshold.

    ``searcher`` is a ``Searcher``; its calibration is replaced while this runs.
    """
    names = names_to_ids(searcher.procedures)
    codes = codes_to_ids(searcher.procedures)
    grid = [(a, b) for a in alphas for b in betas]
    if searcher.mode != "hybrid":
        grid = grid[:1]
    open_cal = Calibration(threshold=-1.0).to_dict()  # never abstain while choosing weights
    # accented and unaccented questions get their own weights (see Calibration.weights_for)
    best: dict[bool, tuple[tuple[float, float], tuple[float, float]]] = {}
    for alpha, beta in grid:
        searcher.set_calibration(Calibration(**{**open_cal, "alpha": alpha, "beta": beta}))
        outcomes = run(lambda q: searcher.search(q, top_k=5), questions, names, codes)
        for plain in (False, True):
            part = [o for o in outcomes if is_plain(o.question.q) == plain]
            if not part:
                continue
            m = metrics(part)
            key = (m["recall_at_1"], m["mrr"])
            logger.info("eval.calibrate.weights plain=%s alpha=%s beta=%s r1=%s mrr=%s",
                        plain, alpha, beta, *key)
            if plain not in best or key > best[plain][0]:
                best[plain] = (key, (alpha, beta))
    alpha, beta = best.get(False, best.get(True, ((0, 0), grid[0])))[1]
    plain_weights = best.get(True, ((0, 0), (alpha, beta)))[1]
    chosen = {**open_cal, "alpha": alpha, "beta": beta, "alpha_plain": plain_weights[0],
              "beta_plain": plain_weights[1]}
    searcher.set_calibration(Calibration(**chosen))
    outcomes = run(lambda q: searcher.search(q, top_k=5), questions, names, codes)
    rows, labels, inscope = [], [], []
    for o in outcomes:
        if not o.result.hits:
            continue
        rows.append(o.result.hits[0].features)
        labels.append(int(o.rank == 1))
        inscope.append(o.question.in_scope)
    cal = fit_calibration(rows, labels, inscope, alpha=alpha, beta=beta,
                          alpha_plain=plain_weights[0], beta_plain=plain_weights[1],
                          fitted_on=fitted_on,
                          max_inscope_abstain=max_inscope_abstain,
                          features=MODE_FEATURES[searcher.mode])
    searcher.set_calibration(cal)
    return cal
