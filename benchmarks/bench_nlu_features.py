"""What the e5 dense featurizer adds to the intent classifier, on sets we did not train on.

Trains two NLU models on bot/data (same data, same seed): config.yml as it is, and config.yml
without ``E5DenseFeaturizer`` (today's sparse-only pipeline). Each model is tested with
``rasa test nlu`` on the outside portal dev set (benchmarks/data/portal_dev.jsonl, labelled by
the team, never trained on) and on the team's held-out set (tests/bot/nlu_test.yml). A model
given with ``--extra NAME=MODEL.tar.gz`` (e.g. an earlier commit's) is tested too.

Run in the Rasa environment from the repository root:

  .venv-rasa/bin/python benchmarks/bench_nlu_features.py --json var/bench_nlu.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

import yaml

REPO = Path(__file__).resolve().parents[1]
HELD_OUT = REPO / "tests" / "bot" / "nlu_test.yml"
E5 = "bot.components.e5_featurizer.E5DenseFeaturizer"


def rasa(args: List[str]) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "rasa", *args], cwd=REPO, env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"rasa {' '.join(args[:2])} failed:\n{done.stderr[-3000:]}")


def sparse_config(out: Path) -> Path:
    config = yaml.safe_load((REPO / "config.yml").read_text(encoding="utf-8"))
    config["pipeline"] = [c for c in config["pipeline"] if c["name"] != E5]
    out.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return out


def train(config: Path, out: Path, name: str) -> Path:
    started = time.perf_counter()
    rasa(["train", "nlu", "--config", str(config), "--nlu", "bot/data/nlu.yml",
          "--out", str(out), "--fixed-model-name", name])
    print(f"trained {name} in {time.perf_counter() - started:.0f} s", flush=True)
    return out / f"{name}.tar.gz"


def evaluate(model: Path, test_file: Path, out: Path) -> Dict[str, object]:
    rasa(["test", "nlu", "-m", str(model), "--nlu", str(test_file), "--out", str(out)])
    report = json.loads((out / "intent_report.json").read_text(encoding="utf-8"))
    per_intent = {k: round(v["f1-score"], 3) for k, v in report.items()
                  if isinstance(v, dict) and "f1-score" in v
                  and k not in ("macro avg", "weighted avg", "micro avg")}
    return {"macro_f1": round(report["macro avg"]["f1-score"], 3),
            "accuracy": round(report.get("accuracy", 0.0), 3),
            "min_intent": min(per_intent.items(), key=lambda kv: kv[1]),
            "per_intent": per_intent}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--extra", action="append", default=[], help="NAME=MODEL.tar.gz")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO / "benchmarks"))
    from understanding_eval import load_labels, to_rasa_nlu  # stdlib + yaml only

    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-nlu-") as tmp_name:
        tmp = Path(tmp_name)
        portal = to_rasa_nlu(load_labels(), tmp / "portal_dev.yml")
        models = {"e5 + sparse (config.yml)": train(REPO / "config.yml", tmp, "e5"),
                  "sparse only": train(sparse_config(tmp / "sparse.yml"), tmp, "sparse")}
        models.update(dict(spec.split("=", 1) for spec in args.extra))  # type: ignore[arg-type]
        for name, model in models.items():
            for set_name, test_file in (("portal dev (outside)", portal),
                                        ("held-out (team)", HELD_OUT)):
                result = evaluate(Path(model), test_file, tmp / f"{len(rows)}")
                rows.append({"model": name, "set": set_name, **result})
                print(name, set_name, result["macro_f1"], flush=True)
    print("\n| model | set | macro-F1 | accuracy | lowest intent |")
    print("|---|---|---|---|---|")
    for r in rows:
        low = r["min_intent"]
        print(f"| {r['model']} | {r['set']} | {r['macro_f1']} | {r['accuracy']} "
              f"| {low[0]} {low[1]} |")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
