"""Rasa ResponseSelector baseline for procedure retrieval (issue 7).

What a Rasa user would reach for: one retrieval intent ``faq/<procedure_id>`` per procedure,
trained on the catalogue's ``example_questions``, with the 3.6 default-like NLU pipeline. The
top response key is the predicted procedure; the answer abstains when the response confidence
is below a threshold calibrated on the dev set (the smallest threshold whose out-of-scope
abstention on dev is >= 0.90, i.e. the one that keeps the most in-scope Recall@1 under that
constraint). Prints the same JSON metrics as ``python -m indexer eval --format json``.

Run with the Rasa environment (Python 3.10, rasa 3.6), from the repository root::

    /work/main/.venv-rasa/bin/python benchmarks/rasa_baseline.py --epochs 100

It does not import ``indexer`` (Python 3.11 only); the hit rule is the same as
``indexer.evaluate``: a hit is a predicted procedure whose name or alias equals the label
case-insensitively, a leading "Thủ tục " ignored; a null label is out of scope.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
RETRIEVAL_INTENT = "faq"
MIN_OOS_ABSTAIN = 0.90


def name_key(name: str) -> str:
    key = " ".join(unicodedata.normalize("NFC", name).casefold().split())
    return key.removeprefix("thủ tục ").strip()


@dataclass(frozen=True)
class Question:
    q: str
    procedure: str | None
    style: str | None = None


@dataclass(frozen=True)
class Prediction:
    ranking: tuple[str, ...]  # procedure ids, best first
    confidence: float  # confidence of the top response


def load_catalogue(directory: Path) -> dict[str, dict[str, Any]]:
    """procedure id -> {"names": [name, *aliases], "examples": [...]}, from the YAML files."""
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(directory.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        pid = str(data["id"])
        out[pid] = {"names": [data["name"], *(data.get("aliases") or [])],
                    "examples": [" ".join(str(q).split()) for q in data.get("example_questions") or []]}
    return out


def names_to_ids(catalogue: dict[str, dict[str, Any]]) -> dict[str, set[str]]:
    table: dict[str, set[str]] = {}
    for pid, proc in catalogue.items():
        for name in proc["names"]:
            table.setdefault(name_key(name), set()).add(pid)
    return table


def load_questions(path: Path) -> list[Question]:
    out = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            out.append(Question(str(row["q"]), row.get("procedure"), row.get("style")))
        except (ValueError, KeyError, TypeError) as exc:
            raise SystemExit(f"{path}:{lineno}: bad question line ({exc})") from exc
    return out


def rank_of(question: Question, pred: Prediction, names: dict[str, set[str]],
            threshold: float) -> int | None:
    """1-based rank of the right procedure, or None (out of scope, abstained or missing)."""
    if question.procedure is None or pred.confidence < threshold:
        return None
    expected = names.get(name_key(question.procedure), set())
    for i, pid in enumerate(pred.ranking, 1):
        if pid in expected:
            return i
    return None


def metrics(questions: Sequence[Question], preds: Sequence[Prediction],
            names: dict[str, set[str]], threshold: float) -> dict[str, Any]:
    """Same keys and rounding as ``indexer.evaluate.metrics``; abstain = confidence < threshold."""
    rows = [(q, p, rank_of(q, p, names, threshold), p.confidence < threshold)
            for q, p in zip(questions, preds, strict=True)]
    inscope = [r for r in rows if r[0].procedure is not None]
    oos = [r for r in rows if r[0].procedure is None]
    n = len(inscope)

    def recall(k: int, part: Sequence[tuple[Any, ...]]) -> float:
        return round(sum(1 for r in part if r[2] is not None and r[2] <= k) / len(part), 4) \
            if part else 0.0

    styles: dict[str, list[tuple[Any, ...]]] = {}
    for r in inscope:
        styles.setdefault(r[0].style or "unspecified", []).append(r)
    return {
        "n": n,
        "recall_at_1": recall(1, inscope),
        "recall_at_3": recall(3, inscope),
        "recall_at_5": recall(5, inscope),
        "mrr": round(sum(1.0 / r[2] for r in inscope if r[2]) / n, 4) if n else 0.0,
        "oos_n": len(oos),
        "oos_abstain_rate": round(sum(r[3] for r in oos) / len(oos), 4) if oos else 0.0,
        "inscope_abstain_rate": round(sum(r[3] for r in inscope) / n, 4) if n else 0.0,
        "by_style": {s: {"n": len(part), "recall_at_1": recall(1, part)}
                     for s, part in sorted(styles.items())},
    }


def calibrate_threshold(questions: Sequence[Question], preds: Sequence[Prediction],
                        names: dict[str, set[str]],
                        min_oos_abstain: float = MIN_OOS_ABSTAIN) -> float:
    """Threshold with the best in-scope Recall@1 among those abstaining on >= min_oos_abstain
    of the out-of-scope questions (ties: the lower threshold). Candidates are the observed
    confidences (abstain below), plus 0.0 (never abstain)."""
    best: tuple[float, float] | None = None
    for t in sorted({0.0, *(p.confidence for p in preds), 1.0 + 1e-9}):
        m = metrics(questions, preds, names, t)
        if m["oos_n"] and m["oos_abstain_rate"] < min_oos_abstain:
            continue
        if best is None or m["recall_at_1"] > best[0]:
            best = (m["recall_at_1"], t)
    return best[1] if best else 0.0


def threshold_for_inscope_abstain(questions: Sequence[Question], preds: Sequence[Prediction],
                                  max_inscope_abstain: float = 0.05) -> float:
    """The hybrid's rule: the highest threshold (so the most out-of-scope abstention) whose
    in-scope abstention stays <= max_inscope_abstain."""
    inscope = sorted(p.confidence for q, p in zip(questions, preds, strict=True)
                     if q.procedure is not None)
    best = 0.0
    for t in sorted({0.0, *inscope}):
        if sum(c < t for c in inscope) / max(len(inscope), 1) <= max_inscope_abstain:
            best = t
    return best


def write_project(directory: Path, catalogue: dict[str, dict[str, Any]], epochs: int) -> None:
    nlu = {"version": "3.1", "nlu": [
        {"intent": f"{RETRIEVAL_INTENT}/{pid}",
         "examples": "".join(f"- {ex}\n" for ex in proc["examples"])}
        for pid, proc in catalogue.items()]}
    domain = {"version": "3.1", "intents": [RETRIEVAL_INTENT], "responses": {
        f"utter_{RETRIEVAL_INTENT}/{pid}": [{"text": proc["names"][0]}]
        for pid, proc in catalogue.items()}}
    config = {"recipe": "default.v1", "language": "vi", "assistant_id": "rasa-baseline",
              "pipeline": [
                  {"name": "WhitespaceTokenizer"},
                  {"name": "CountVectorsFeaturizer"},
                  {"name": "CountVectorsFeaturizer", "analyzer": "char_wb",
                   "min_ngram": 1, "max_ngram": 4},
                  {"name": "DIETClassifier", "epochs": epochs},
                  {"name": "ResponseSelector", "epochs": epochs,
                   "retrieval_intent": RETRIEVAL_INTENT},
              ], "policies": []}
    for name, data in (("nlu.yml", nlu), ("domain.yml", domain), ("config.yml", config)):
        (directory / name).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                                      encoding="utf-8")


def train(directory: Path) -> tuple[Path, float]:
    cmd = [sys.executable, "-m", "rasa", "train", "nlu", "--config", "config.yml",
           "--nlu", "nlu.yml", "--domain", "domain.yml", "--out", "models",
           "--fixed-model-name", "faq"]
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
    start = time.perf_counter()
    result = subprocess.run(cmd, check=False, cwd=directory, env=env, capture_output=True,
                            text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"rasa train nlu failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    logger.info("rasa_baseline.trained seconds=%.1f", elapsed)
    return directory / "models" / "faq.tar.gz", elapsed


def prediction_from_parse(parsed: dict[str, Any]) -> Prediction:
    selector = parsed.get("response_selector", {}).get(RETRIEVAL_INTENT, {})
    ranking = selector.get("ranking") or []
    ids = tuple(str(r["intent_response_key"]).split("/", 1)[1] for r in ranking)
    conf = float(selector.get("response", {}).get("confidence") or 0.0)
    return Prediction(ids, conf)


async def _parse_all(model: Path, texts: Sequence[str]) -> list[Prediction]:
    from rasa.core.agent import Agent
    from tqdm import tqdm

    agent = Agent.load(str(model))
    return [prediction_from_parse(await agent.parse_message(t))
            for t in tqdm(texts, desc="parse", file=sys.stderr)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--catalogue", type=Path, default=ROOT / "knowledge" / "procedures")
    parser.add_argument("--dev", type=Path, default=ROOT / "benchmarks/data/dev_questions.jsonl")
    parser.add_argument("--fresh", type=Path,
                        default=ROOT / "benchmarks/data/fresh_questions.jsonl")
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--model", type=Path, help="reuse a trained model instead of training")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    parser.add_argument("--workdir", type=Path, help="keep the Rasa project and model here "
                        "(default: a temporary directory)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    catalogue = load_catalogue(args.catalogue)
    names = names_to_ids(catalogue)
    dev, fresh = load_questions(args.dev), load_questions(args.fresh)
    with tempfile.TemporaryDirectory(prefix="rasa-baseline-") as tmp:
        work = args.workdir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        model, train_s = args.model, None
        if model is None:
            write_project(work, catalogue, args.epochs)
            model, train_s = train(work)
        preds = asyncio.run(_parse_all(model, [q.q for q in [*dev, *fresh]]))
    dev_preds, fresh_preds = preds[:len(dev)], preds[len(dev):]
    threshold = calibrate_threshold(dev, dev_preds, names)
    low_t = threshold_for_inscope_abstain(dev, dev_preds)
    report = {
        "method": "rasa ResponseSelector", "epochs": args.epochs, "train_seconds": train_s,
        "procedures": len(catalogue),
        "examples": sum(len(p["examples"]) for p in catalogue.values()),
        "threshold": threshold, "threshold_rule": f"max dev R@1 s.t. OOS abstain >= "
                                                  f"{MIN_OOS_ABSTAIN}",
        "dev": metrics(dev, dev_preds, names, threshold),
        "fresh": metrics(fresh, fresh_preds, names, threshold),
        "threshold_inscope_rule": low_t,
        "dev_inscope_rule": metrics(dev, dev_preds, names, low_t),
        "fresh_inscope_rule": metrics(fresh, fresh_preds, names, low_t),
        "dev_no_abstain": metrics(dev, dev_preds, names, 0.0),
        "fresh_no_abstain": metrics(fresh, fresh_preds, names, 0.0),
    }
    text = json.dumps(report, ensure_ascii=False, indent=2)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    sys.stdout.write(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
