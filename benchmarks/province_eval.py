"""Retrieval quality on a province profile, per question style (issue 12).

    python benchmarks/province_eval.py --index var/index-langson [--out result.json] [--misses]

Runs the province question sets (``benchmarks/data/province_{citizen,official,oos}.jsonl``,
labelled by official ``code``; see docs/benchmarks/province.md) through ``Searcher.search`` and
reports, for each style separately, R@1/R@3/MRR and the abstention rate: citizen wording with
and without diacritics, the official (portal FAQ) wording, the out-of-scope questions, and the
in-scope abstention over all in-scope questions. ``--glossary FILE`` replaces the index's
glossary for the run (query expansion only: the passages do not depend on it), so two
glossaries can be compared on one index.

The scoring always comes from this repository's ``indexer/evaluate.py``; the search code is
whatever ``indexer`` the interpreter imports first, so the same sets can be measured with
today's baseline code: ``PYTHONPATH=/path/to/baseline python benchmarks/province_eval.py ...``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(ROOT))  # appended: a PYTHONPATH baseline tree wins for the search code
DATA = ROOT / "benchmarks" / "data"
SETS = [DATA / f"province_{name}.jsonl" for name in ("citizen", "official", "oos")]
TARGETS = {"citizen_diacritics": 0.85, "citizen_no_diacritics": 0.85, "official": 0.90}
OOS_TARGET, INSCOPE_ABSTAIN_MAX = 0.90, 0.05


def scoring_module() -> ModuleType:
    """This repository's ``indexer/evaluate.py``, loaded by path (see the module docstring)."""
    spec = importlib.util.spec_from_file_location("province_scoring", ROOT / "indexer" / "evaluate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def override_glossary(searcher: Any, path: Path) -> int:
    import yaml

    from indexer.catalog.schema import Glossary
    from indexer.text import GlossaryIndex

    glossary = Glossary.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    searcher._state.glossary = GlossaryIndex.from_pairs((e.term, e.canonical)
                                                        for e in glossary.entries)
    searcher.clear_cache()
    return len(glossary.entries)


def fit_calibration(ev: ModuleType, searcher: Any, paths: list[Path], out: Path,
                    threshold_paths: list[Path] | None = None,
                    max_inscope_abstain: float = 0.05) -> Any:
    """Fit the profile calibration and save it to the ``profile_models`` section of ``out``
    for the index's model; returns it.

    The logistic confidence over ``PROFILE_FEATURES`` is fitted on every question of
    ``paths`` (development splits only), asked on the profile's own index; the threshold is
    chosen on the questions of ``threshold_paths`` (default: all of ``paths``), the profile's
    own development split, so that the profile's mix of curated and imported records decides
    where to abstain. The fusion weights stay those of the index's calibration. Questions that
    a procedure known but not served answers abstain whatever the confidence, and are left out.
    """
    from indexer.calibration import (PROFILE_FEATURES, PROFILE_MODELS, Calibration,
                                     choose_threshold, fit_calibration as fit, save_calibration)

    base = searcher.calibration
    searcher.set_calibration(Calibration(**{**base.to_dict(), "threshold": -1.0}))
    names, codes = ev.names_to_ids(searcher.procedures), ev.codes_to_ids(searcher.procedures)
    rows: dict[Path, list[tuple[dict[str, float], int, bool]]] = {}
    for path in dict.fromkeys([*paths, *(threshold_paths or [])]):
        outcomes = ev.run(lambda q: searcher.search(q, top_k=5), ev.load_questions(path),
                          names, codes)
        rows[path] = [(o.result.hits[0].features, int(o.rank == 1), o.question.in_scope)
                      for o in outcomes if o.result.hits and o.result.not_served is None]
    fit_rows = [r for path in paths for r in rows[path]]
    n = searcher.manifest.get("counts", {}).get("procedures", "?")
    fitted_on = ", ".join(f"benchmarks/data/{p.name}" for p in paths)
    if threshold_paths:
        fitted_on += "; threshold on " + ", ".join(f"benchmarks/data/{p.name}"
                                                   for p in threshold_paths)
    cal = fit([r[0] for r in fit_rows], [r[1] for r in fit_rows], [r[2] for r in fit_rows],
              alpha=base.alpha, beta=base.beta, alpha_plain=base.alpha_plain,
              beta_plain=base.beta_plain, fitted_on=f"{fitted_on} on the {n}-procedure profile "
              "index", features=PROFILE_FEATURES, max_inscope_abstain=max_inscope_abstain)
    threshold = cal.threshold
    if threshold_paths:
        t_rows = [r for path in threshold_paths for r in rows[path]]
        conf = [cal.confidence(r[0]) for r in t_rows]
        threshold = choose_threshold([c for c, r in zip(conf, t_rows) if r[2]],
                                     [c for c, r in zip(conf, t_rows) if not r[2]],
                                     max_inscope_abstain=max_inscope_abstain)
    cal = Calibration(**{**cal.to_dict(), "threshold": threshold,
                         "unserved_margin": base.unserved_margin})
    model_id = searcher.manifest["model_id"]
    save_calibration(out, model_id.split("+", 1)[0], cal, section=PROFILE_MODELS)
    searcher.set_calibration(cal)
    return cal


def summary(ev: ModuleType, outcomes: list[Any]) -> dict[str, Any]:
    """The issue's targets: R@1 per style, out-of-scope and in-scope abstention."""
    styles = ev.style_metrics(outcomes)
    inscope = [o for o in outcomes if o.question.in_scope]
    oos = [o for o in outcomes if not o.question.in_scope]
    out: dict[str, Any] = {}
    for style, bar in TARGETS.items():
        r1 = styles.get(style, {}).get("recall_at_1")
        out[f"{style}_r1"] = {"value": r1, "target": f">= {bar}",
                              "met": r1 is not None and r1 >= bar}
    oos_rate = round(sum(o.result.abstain for o in oos) / len(oos), 4) if oos else None
    ins_rate = round(sum(o.result.abstain for o in inscope) / len(inscope), 4) if inscope else None
    out["oos_abstain"] = {"value": oos_rate, "target": f">= {OOS_TARGET}",
                          "met": oos_rate is not None and oos_rate >= OOS_TARGET}
    out["inscope_abstain"] = {"value": ins_rate, "target": f"<= {INSCOPE_ABSTAIN_MAX}",
                              "met": ins_rate is not None and ins_rate <= INSCOPE_ABSTAIN_MAX}
    # ranking alone (as if nothing abstained): separates ranking errors from confidence errors
    ranked: dict[str, list[bool]] = {}
    for o in inscope:
        top = o.result.hits[0].procedure_id if o.result.hits else None
        ranked.setdefault(o.question.style or "unspecified", []).append(top in o.expected_ids)
    out["r1_ignoring_abstention"] = {s: round(sum(v) / len(v), 4) for s, v in sorted(ranked.items())}
    # abstentions that said "not in this catalogue" (a procedure known but not served matched)
    told: dict[str, list[bool]] = {}
    for o in outcomes:
        told.setdefault(o.question.style or "unspecified", []).append(
            getattr(o.result, "not_served", None) is not None)
    out["not_served_rate"] = {s: round(sum(v) / len(v), 4) for s, v in sorted(told.items())}
    # citizen R@1 by where the labelled record comes from: curated (has aliases) or imported
    source: dict[str, list[bool]] = {}
    for o in inscope:
        if (o.question.style or "").startswith("citizen"):
            kind = "imported" if all(i.startswith("tthc-") for i in o.expected_ids) else "curated"
            source.setdefault(kind, []).append(o.rank == 1)
    out["citizen_r1_by_label_source"] = {k: {"n": len(v), "recall_at_1": round(sum(v) / len(v), 4)}
                                         for k, v in sorted(source.items())}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, required=True, help="index directory of the profile")
    ap.add_argument("--questions", type=Path, nargs="+", default=SETS)
    ap.add_argument("--glossary", type=Path, help="use this glossary.yaml instead of the index's")
    ap.add_argument("--calibration", type=Path,
                    help="use this calibration file's entry for the index's model instead of the "
                         "manifest's (its profile_models entry when it has one, see --section)")
    ap.add_argument("--section", choices=("profile_models", "models"), default="profile_models",
                    help="the --calibration file's section to read (default: profile_models, "
                         "falling back to models)")
    ap.add_argument("--fit-calibration", type=Path, metavar="FILE",
                    help="first fit the profile calibration on --fit-on (never the reported "
                         "sets) and save it to FILE's profile_models section for the index's "
                         "model (e.g. indexer/calibration.json; then rebuild the profile index)")
    ap.add_argument("--fit-on", type=Path, nargs="+",
                    default=[DATA / "province_dev.jsonl", DATA / "dev_questions.jsonl"],
                    help="development questions the confidence is fitted on")
    ap.add_argument("--threshold-on", type=Path, nargs="+", default=[DATA / "province_dev.jsonl"],
                    help="development questions the threshold is chosen on")
    ap.add_argument("--misses", action="store_true", help="list every wrong answer on stderr")
    ap.add_argument("--out", type=Path, help="also write the JSON result here")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    from indexer.search import Searcher

    ev = scoring_module()
    questions = [q for path in args.questions for q in ev.load_questions(path)]
    searcher = Searcher.load(args.index)
    glossary_terms = override_glossary(searcher, args.glossary) if args.glossary else None
    calibration_source = "manifest"
    if args.fit_calibration:
        fit_calibration(ev, searcher, args.fit_on, args.fit_calibration, args.threshold_on)
        calibration_source = (f"fitted on {', '.join(p.name for p in args.fit_on)}, threshold "
                              f"on {', '.join(p.name for p in args.threshold_on)}")
    elif args.calibration:
        from indexer.calibration import MODELS, Calibration, load_calibration

        model_id = searcher.manifest["model_id"]
        entry = None
        for section in dict.fromkeys((args.section, MODELS)):
            for mid in dict.fromkeys((model_id, model_id.split("+", 1)[0])):
                entry = entry or load_calibration(args.calibration, mid, section)
        if entry is None:
            raise SystemExit(f"{args.calibration} has no entry for {model_id}")
        searcher.set_calibration(Calibration.from_dict(entry))
        calibration_source = str(args.calibration)
    started = time.perf_counter()
    outcomes = ev.run(lambda q: searcher.search(q, top_k=5), questions,
                      ev.names_to_ids(searcher.procedures), ev.codes_to_ids(searcher.procedures))
    seconds = time.perf_counter() - started
    result = {
        "index": str(args.index), "version": searcher.version,
        "search_code": str(Path(sys.modules["indexer"].__file__ or "").resolve().parent),
        "procedures": len(searcher.procedures), "passages": len(searcher._state.passages),
        "glossary_override": str(args.glossary) if args.glossary else None,
        "glossary_terms": glossary_terms, "calibration": calibration_source,
        "threshold": searcher.calibration.threshold, "questions": len(questions),
        "seconds": round(seconds, 1), "overall": ev.metrics(outcomes),
        "styles": ev.style_metrics(outcomes), "targets": summary(ev, outcomes),
    }
    text = json.dumps(result, ensure_ascii=False, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    if args.misses:
        for o in outcomes:
            wrong = (not o.result.abstain) if not o.question.in_scope else o.rank != 1
            if wrong:
                ns = getattr(o.result, "not_served", None)
                got = f"NOT SERVED {ns.name[:60]} [{ns.code}]" if ns is not None else \
                    "ABSTAIN" if o.result.abstain else (
                    f"{o.result.hits[0].name[:70]} [{o.result.hits[0].code}]" if o.result.hits else "-")
                want = f"{(o.question.procedure or '')[:60]} [{o.question.code}]" \
                    if o.question.in_scope else "abstain"
                print(f"[{o.question.style}] {o.question.q}\n    want {want}\n    got  {got} "
                      f"(conf {o.result.confidence:.2f}, rank {o.rank})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
