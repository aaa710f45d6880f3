"""``build``, ``search``, ``eval``, ``rollback`` and ``info``: the search index commands."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from indexer import store
from indexer.settings import IndexerSettings


def register(subparsers: Any) -> None:
    logging.getLogger("faiss.loader").setLevel(logging.WARNING)  # one line per CPU feature
    p = subparsers.add_parser("build", help="build and publish a new index version (no-op if unchanged)")
    _common(p)
    p.add_argument("--knowledge", type=Path, help="catalogue directory (INDEXER_KNOWLEDGE_DIR)")
    p.add_argument("--force", action="store_true", help="rebuild even if nothing changed")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_build)

    p = subparsers.add_parser("search", help="search the published index")
    _common(p)
    p.add_argument("query")
    p.add_argument("--top-k", type=int, default=5)
    p.add_argument("--province")
    p.add_argument("--level")
    p.add_argument("--status", help="active | amended | abolished | current")
    p.add_argument("--mode", default="hybrid", choices=("hybrid", "dense", "lexical"))
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=cmd_search)

    p = subparsers.add_parser("eval", help="evaluate retrieval on a JSONL question set")
    _common(p)
    p.add_argument("--questions", type=Path, required=True)
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--mode", default="hybrid", choices=("hybrid", "dense", "lexical"))
    p.add_argument("--calibrate", action="store_true",
                   help="fit fusion weight, confidence and threshold on these questions and "
                        "save them to the calibration file (then run `build`)")
    p.set_defaults(func=cmd_eval)

    p = subparsers.add_parser("rollback", help="publish the previous (or a named) index version")
    _common(p)
    p.add_argument("--to", help="version name (default: the one before the published version)")
    p.set_defaults(func=cmd_rollback)

    p = subparsers.add_parser("info", help="show the published index version and its manifest")
    _common(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_info)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--index", type=Path, help="index directory (INDEXER_INDEX_DIR)")
    p.add_argument("--model", help="model directory or name (INDEXER_MODEL_DIR); fake:<dim> in tests")


def _settings(args: argparse.Namespace) -> IndexerSettings:
    updates: dict[str, Any] = {}
    if getattr(args, "index", None):
        updates["index_dir"] = args.index
    if getattr(args, "model", None):
        updates["model_dir"] = args.model
    if getattr(args, "knowledge", None):
        updates["knowledge_dir"] = args.knowledge
    return IndexerSettings(**updates) if updates else IndexerSettings()


def _embedder(s: IndexerSettings) -> Any:
    from indexer.embedding import embedder_from_settings

    return embedder_from_settings(s, build=True)


def cmd_build(args: argparse.Namespace) -> int:
    from indexer.build import build_index

    s = _settings(args)
    result = build_index(s.knowledge_dir, s.index_dir, _embedder(s), keep=s.keep_versions,
                         force=args.force, progress=not args.no_progress,
                         calibration_file=s.calibration_file, batch_size=s.batch_size)
    if result.noop:
        print(f"index {result.version} is up to date (catalogue and model unchanged)")
        return 0
    rate = result.encoded / result.encode_seconds if result.encode_seconds > 0 else 0.0
    print(f"published index {result.version}: {result.passages} passages "
          f"({result.reused} reused, {result.encoded} encoded at {rate:.1f}/s) "
          f"in {result.seconds:.1f} s")
    print("changes since the previous version:")
    print("\n".join(result.changes.lines()))
    return 0


def _searcher(args: argparse.Namespace, mode: str = "hybrid") -> Any:
    from indexer.search import Searcher

    s = _settings(args)
    return Searcher.load(s.index_dir, settings=s, mode=mode)


def cmd_search(args: argparse.Namespace) -> int:
    from indexer.results import SearchFilters

    searcher = _searcher(args, args.mode)
    result = searcher.search(args.query, top_k=args.top_k, filters=SearchFilters(
        province=args.province, level=args.level, status=args.status))
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=1, default=str))
        return 0
    verdict = "ABSTAIN (not confident)" if result.abstain else "answer"
    print(f"query: {args.query}\naspect: {result.aspect or '-'}  confidence: "
          f"{result.confidence:.3f}  threshold: {searcher.calibration.threshold:.3f}  "
          f"=> {verdict}")
    for i, hit in enumerate(result.hits, 1):
        status = hit.status
        if not hit.is_current:
            repl = ", ".join(r["name"] for r in hit.replaced_by) or "-"
            status = f"ABOLISHED since {hit.abolished_on}; replaced by: {repl}"
        print(f"{i}. {hit.name} [{hit.code or 'no code'}] id={hit.procedure_id} "
              f"score={hit.score:.3f} confidence={hit.confidence:.3f} status={status}")
        for aspect, passage in list(hit.passages.items())[:3]:
            text = passage.text if len(passage.text) <= 160 else passage.text[:157] + "..."
            print(f"     {aspect}: {text}")
    if result.faq_answer is not None:
        print(f"FAQ: {result.faq_answer.question} (score={result.faq_answer.score:.3f})")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from indexer.calibration import save_calibration
    from indexer.evaluate import calibrate, load_questions, metrics, names_to_ids, run

    questions = load_questions(args.questions)
    searcher = _searcher(args, args.mode)
    if args.calibrate:
        cal = calibrate(searcher, questions, fitted_on=str(args.questions))
        s = _settings(args)
        if args.mode == "hybrid":
            save_calibration(s.calibration_file, searcher.manifest["model_id"], cal)
            print(f"saved calibration to {s.calibration_file}; run `python -m indexer build`",
                  file=sys.stderr)
    outcomes = run(lambda q: searcher.search(q, top_k=5), questions,
                   names_to_ids(searcher.procedures))
    report = metrics(outcomes)
    if args.format == "json":
        print(json.dumps(report, ensure_ascii=False))
        return 0
    print(json.dumps(report, ensure_ascii=False, indent=1))
    print("misses:")
    for o in outcomes:
        expected = o.question.procedure
        wrong = (expected is None and not o.result.abstain) or (expected is not None and o.rank != 1)
        if wrong:
            got = "ABSTAIN" if o.result.abstain else (o.result.hits[0].name if o.result.hits else "-")
            print(f"  [{o.question.style or '-'}] {o.question.q!r}: expected {expected!r}, "
                  f"got {got!r} (conf {o.result.confidence:.2f}, rank {o.rank})")
    return 0


def cmd_rollback(args: argparse.Namespace) -> int:
    s = _settings(args)
    name = store.rollback(s.index_dir, args.to)
    print(f"published index version {name}")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    s = _settings(args)
    manifest = store.current_manifest(s.index_dir)
    if manifest is None:
        print(f"no published index under {s.index_dir}")
        return 1
    if args.json:
        print(json.dumps(manifest, ensure_ascii=False, indent=1))
        return 0
    print(f"version: {manifest['version']} (built {manifest['built_at']})")
    print(f"model: {manifest['model_id']} dim={manifest['dim']}")
    print(f"counts: {manifest['counts']}")
    print(f"catalogue hash: {manifest['catalog_hash'][:16]}")
    print(f"calibrated: {'yes' if manifest.get('calibration') else 'no (defaults)'}")
    print(f"versions kept: {', '.join(store.list_versions(s.index_dir))}")
    return 0
