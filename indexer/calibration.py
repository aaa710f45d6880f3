"""Calibrated confidence: a small logistic model over ranking features of the top candidate,
and the abstention threshold, fitted on the dev questions (``python -m indexer eval
--calibrate``) and committed per embedding model in ``indexer/calibration.json``.

The build copies the entry for its model into the manifest, so a published index always
carries the calibration it is served with.

A catalogue that also knows the procedures it does not serve (a province profile's
``unserved.yaml``) is calibrated separately, in the file's ``profile_models`` section: its
records are mostly imported (no aliases, so right answers match by name less strongly than in
the curated catalogue) and it has one more signal, ``served_gap`` (how far the best served
procedure scores above the best unserved one). ``benchmarks/province_eval.py
--fit-calibration`` fits it on the province development split.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

FEATURES = ("fused", "dense", "lex", "name", "fused_margin", "dense_margin", "lex_margin",
            "name_margin")
PROFILE_FEATURES = (*FEATURES, "served_gap")
MODELS, PROFILE_MODELS = "models", "profile_models"  # sections of the calibration file
MODE_FEATURES = {
    "hybrid": FEATURES,
    "dense": ("dense", "dense_margin"),
    "lexical": ("lex", "lex_margin"),
}


@dataclass(frozen=True)
class Calibration:
    """Ranking parameters plus ``confidence = sigmoid(w . (x - mean) / std + bias)``."""

    alpha: float = 0.5  # fused = dense + alpha * lexical coverage + beta * name match
    beta: float = 0.0
    # weights for queries typed without diacritics (the encoder reads them poorly, so the
    # lexical signals, which fold diacritics, deserve more weight); None: same as above
    alpha_plain: float | None = None
    beta_plain: float | None = None
    weights: dict[str, float] = field(default_factory=lambda: {"lex": 2.5, "fused_margin": 1.0})
    mean: dict[str, float] = field(default_factory=lambda: {"lex": 0.45, "fused_margin": 0.05})
    std: dict[str, float] = field(default_factory=lambda: {"lex": 0.15, "fused_margin": 0.05})
    bias: float = 0.0
    threshold: float = 0.5
    fitted_on: str | None = None  # description of the data it was fitted on
    # abstain as "not served here" when a procedure known but not served (a province profile's
    # unserved.yaml) scores this much above the best served one; None: never
    unserved_margin: float | None = 0.0

    def weights_for(self, plain: bool) -> tuple[float, float]:
        """(alpha, beta) for a query with (``plain`` False) or without diacritics."""
        if plain and self.alpha_plain is not None:
            return self.alpha_plain, self.beta if self.beta_plain is None else self.beta_plain
        return self.alpha, self.beta

    def confidence(self, features: dict[str, float]) -> float:
        z = self.bias
        for name, w in self.weights.items():
            std = self.std.get(name, 1.0) or 1.0
            z += w * (features.get(name, 0.0) - self.mean.get(name, 0.0)) / std
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def to_dict(self) -> dict[str, Any]:
        return {"alpha": self.alpha, "beta": self.beta, "alpha_plain": self.alpha_plain,
                "beta_plain": self.beta_plain, "weights": self.weights, "mean": self.mean, "std": self.std,
                "bias": self.bias, "threshold": self.threshold, "fitted_on": self.fitted_on,
                "unserved_margin": self.unserved_margin}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Calibration:
        return cls(**data) if data else cls()


def load_calibration(path: Path | None, model_id: str,
                     section: str = MODELS) -> dict[str, Any] | None:
    """The committed calibration entry for ``model_id`` (None when there is none)."""
    if path is None or not Path(path).exists():
        return None
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    entry = data.get(section, {}).get(model_id)
    if entry is None:
        logger.warning("calibration.missing", extra={"model_id": model_id, "file": str(path),
                                                     "section": section})
    return entry


def save_calibration(path: Path, model_id: str, calibration: Calibration,
                     section: str = MODELS) -> None:
    data: dict[str, Any] = {"models": {}}
    if Path(path).exists():
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    data.setdefault(section, {})[model_id] = calibration.to_dict()
    Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                          encoding="utf-8")


def fit_logistic(x: np.ndarray, y: np.ndarray, *, l2: float = 0.05, steps: int = 3000,
                 lr: float = 0.5) -> tuple[np.ndarray, float]:
    """Plain L2-regularised logistic regression by gradient descent on standardised inputs."""
    w = np.zeros(x.shape[1])
    b = 0.0
    n = max(len(y), 1)
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w + b, -30, 30)))
        grad_w = x.T @ (p - y) / n + l2 * w
        grad_b = float(np.mean(p - y))
        w -= lr * grad_w
        b -= lr * grad_b
    return w, b


def choose_threshold(conf_inscope: Sequence[float], conf_oos: Sequence[float], *,
                     max_inscope_abstain: float = 0.05) -> float:
    """Highest OOS abstention whose in-scope abstention stays within the limit.

    Among thresholds with the same OOS abstention the lowest is kept (fewest in-scope
    abstentions). With no OOS questions, the threshold keeps in-scope abstention at the limit.
    """
    inscope = np.sort(np.asarray(conf_inscope, dtype=float))
    oos = np.asarray(conf_oos, dtype=float)
    candidates = np.unique(np.concatenate([inscope, oos, [0.0, 1.0]]))
    best_t, best_key = 0.0, (-1.0, 0.0)
    for t in candidates:
        in_rate = float(np.mean(inscope < t)) if len(inscope) else 0.0
        if in_rate > max_inscope_abstain:
            continue
        oos_rate = float(np.mean(oos < t)) if len(oos) else 0.0
        key = (oos_rate, -in_rate)
        if key > best_key:
            best_t, best_key = float(t), key
    return best_t


def fit_calibration(rows: Sequence[dict[str, float]], labels: Sequence[int],
                    inscope: Sequence[bool], *, alpha: float, beta: float = 0.0,
                    alpha_plain: float | None = None, beta_plain: float | None = None,
                    fitted_on: str,
                    max_inscope_abstain: float = 0.05,
                    features: Sequence[str] = FEATURES) -> Calibration:
    """``labels[i]`` is 1 when the top procedure of question i was right; ``inscope[i]`` tells
    in-scope questions from out-of-scope ones (for the threshold)."""
    names = list(features)
    x = np.array([[r.get(f, 0.0) for f in names] for r in rows], dtype=float)
    mean = x.mean(axis=0)
    std = x.std(axis=0)
    std[std == 0] = 1.0
    w, b = fit_logistic((x - mean) / std, np.asarray(labels, dtype=float))
    cal = Calibration(alpha=alpha, beta=beta, alpha_plain=alpha_plain, beta_plain=beta_plain,
                      weights=dict(zip(names, map(float, w))),
                      mean=dict(zip(names, map(float, mean))),
                      std=dict(zip(names, map(float, std))), bias=float(b), fitted_on=fitted_on)
    conf = [cal.confidence(r) for r in rows]
    threshold = choose_threshold([c for c, s in zip(conf, inscope) if s],
                                 [c for c, s in zip(conf, inscope) if not s],
                                 max_inscope_abstain=max_inscope_abstain)
    return Calibration(**{**cal.to_dict(), "threshold": threshold})
