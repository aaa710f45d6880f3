"""NLU: enough data per aspect, a held-out test set, and intent macro-F1 >= 0.90 on it."""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
import yaml

from rasa_cli import REPO, run_rasa

pytestmark = pytest.mark.rasa

TRAIN = REPO / "bot" / "data" / "nlu.yml"
HELD_OUT = REPO / "tests" / "bot" / "nlu_test.yml"
ASPECT_INTENTS = ["ask_documents", "ask_processing_time", "ask_fee", "ask_place", "ask_steps",
                  "ask_online", "ask_conditions", "ask_procedure", "ask_deadline", "ask_validity",
                  "ask_result", "ask_who", "ask_form"]
MIN_MACRO_F1 = 0.90


def examples(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out: dict = {}
    for block in data["nlu"]:
        if "intent" in block:
            lines = [l[2:].strip() for l in block["examples"].splitlines() if l.startswith("- ")]
            out.setdefault(block["intent"], []).extend(lines)
    return out


def normalised(text: str) -> str:
    """Entity markup removed, lowercase, no diacritics, no end punctuation."""
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text).lower().replace("đ", "d")
    text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return " ".join(text.split()).strip(" ?!.")


def test_every_aspect_intent_has_at_least_40_examples() -> None:
    counts = {intent: len(lines) for intent, lines in examples(TRAIN).items()}
    short = {i: counts.get(i, 0) for i in ASPECT_INTENTS if counts.get(i, 0) < 40}
    assert not short, short


def test_training_data_has_unaccented_and_teencode_variants() -> None:
    for intent in ASPECT_INTENTS:
        lines = examples(TRAIN)[intent]
        plain = [" ".join(l.lower().split()).strip(" ?!.") for l in lines]
        unaccented = [l for l, p in zip(lines, plain) if normalised(l) == p]
        teencode = [l for l in lines if re.search(r"\b(ko|k|j|bn|dc|đc|ntn|z|ad|e|mk|hs)\b", l)]
        assert len(unaccented) >= 8, (intent, len(unaccented))
        assert len(teencode) >= 3, (intent, teencode)


def test_held_out_set_is_not_copied_from_training() -> None:
    train = {normalised(l) for lines in examples(TRAIN).values() for l in lines}
    held_out = examples(HELD_OUT)
    copies = [l for lines in held_out.values() for l in lines if normalised(l) in train]
    assert not copies, copies
    assert set(ASPECT_INTENTS) <= set(held_out)
    assert min(len(held_out[i]) for i in ASPECT_INTENTS) >= 8


def test_intent_macro_f1_on_held_out_set(trained_model: Path, tmp_path: Path) -> None:
    result = run_rasa(["test", "nlu", "-m", str(trained_model), "--nlu", str(HELD_OUT),
                       "--out", str(tmp_path)])
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((tmp_path / "intent_report.json").read_text(encoding="utf-8"))
    macro_f1 = report["macro avg"]["f1-score"]
    errors = json.loads((tmp_path / "intent_errors.json").read_text(encoding="utf-8"))
    confusions = Counter(f"{e['intent']}->{e['intent_prediction']['name']}" for e in errors)
    assert macro_f1 >= MIN_MACRO_F1, f"macro-F1 {macro_f1:.3f}; errors: {dict(confusions)}"
