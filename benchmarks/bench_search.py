"""Retrieval benchmark: quality against baselines, latency, build throughput, memory.

Run from the repository root with the 3.11 environment, e.g.::

    python benchmarks/bench_search.py quality --dev benchmarks/data/dev_questions.jsonl \
        --fresh benchmarks/data/fresh_questions.jsonl
    python benchmarks/bench_search.py latency --index var/index
    python benchmarks/bench_search.py build --knowledge knowledge
    python benchmarks/bench_search.py rebuild --knowledge knowledge --index var/index
    python benchmarks/bench_search.py synthetic --passages 100000
    python benchmarks/bench_search.py memory --index var/index

Each command prints a JSON object (``--out FILE`` also writes it). Baselines (dense only,
BM25 only) get their own confidence calibration on the dev set, like the hybrid.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from indexer.build import build_index  # noqa: E402
from indexer.embedding import embedder_from_settings  # noqa: E402
from indexer.evaluate import calibrate, load_questions, metrics, names_to_ids, run  # noqa: E402
from indexer.search import Searcher  # noqa: E402
from indexer.settings import IndexerSettings  # noqa: E402
from indexer.text import warm_up as warm_up_text  # noqa: E402

logging.getLogger("faiss.loader").setLevel(logging.WARNING)


def _embedder(settings: IndexerSettings) -> Any:
    return embedder_from_settings(settings, build=True)


def quality(args: argparse.Namespace, settings: IndexerSettings) -> dict[str, Any]:
    dev = load_questions(args.dev)
    sets = {"dev": dev}
    if args.fresh and Path(args.fresh).exists():
        sets["fresh"] = load_questions(args.fresh)
    searcher = Searcher.load(args.index or settings.index_dir, settings=settings)
    committed = searcher.calibration
    out: dict[str, Any] = {}
    for mode in ("hybrid", "dense", "lexical"):
        searcher.mode = mode  # one searcher: the query-vector cache serves all three runs
        searcher.set_calibration(committed)
        if mode != "hybrid" or args.recalibrate:
            calibrate(searcher, dev, fitted_on="dev")  # baselines: same procedure as hybrid
        names = names_to_ids(searcher.procedures)
        out[mode] = {name: metrics(run(lambda q: searcher.search(q, top_k=5), qs, names))
                     for name, qs in sets.items()}
        out[mode]["calibration"] = searcher.calibration.to_dict()
    return out


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def latency(args: argparse.Namespace, settings: IndexerSettings) -> dict[str, Any]:
    """Single queries, one after another, for each query encoder in the same run (the
    configured one first; ``torch``, the float32 model, is the baseline)."""
    index = Path(args.index or settings.index_dir)
    queries = [q.q for q in load_questions(args.dev)][: args.queries]
    encoders = list(dict.fromkeys(args.encoders.split(","))) if args.encoders else ["auto"]
    out: dict[str, Any] = {"index": str(index), "n_queries": len(queries) * args.repeat}
    for name in encoders:
        searcher = Searcher.load(index, settings=settings.model_copy(
            update={"query_encoder": name}))
        searcher.warm_up()
        out.update(passages=searcher.manifest["counts"]["passages"],
                   procedures=searcher.manifest["counts"]["procedures"],
                   dense_index=searcher.manifest.get("dense_index", "flat"))
        out[getattr(searcher.embedder, "query_encoder", name)] = _latency_of(
            searcher, queries, args.repeat)
    out["load_average"] = os.getloadavg()
    out["torch_threads"] = _torch_threads()
    return out


def _latency_of(searcher: Searcher, queries: list[str], repeat: int) -> dict[str, Any]:
    timings, encode, cpu = [], [], []
    for _ in range(repeat):
        for q in queries:
            searcher.clear_cache()  # measure the encoder every time
            c0, t0 = time.process_time(), time.perf_counter()
            searcher.search(q, top_k=5)
            timings.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
            t0 = time.perf_counter()
            searcher.embedder.encode_queries([q])
            encode.append((time.perf_counter() - t0) * 1000)
    cached = []  # the same searches with the query vector cached: retrieval and ranking only
    for q in queries:
        searcher.search(q, top_k=5)
        t0 = time.perf_counter()
        searcher.search(q, top_k=5)
        cached.append((time.perf_counter() - t0) * 1000)
    return {"p50_ms": round(statistics.median(timings), 2),
            "p95_ms": round(_percentile(timings, 0.95), 2),
            "mean_ms": round(statistics.fmean(timings), 2),
            "encode_p50_ms": round(statistics.median(encode), 2),
            "encode_p95_ms": round(_percentile(encode, 0.95), 2),
            "cpu_p50_ms": round(statistics.median(cpu), 2),
            "cpu_p95_ms": round(_percentile(cpu, 0.95), 2),
            "without_encoder_p50_ms": round(statistics.median(cached), 2),
            "without_encoder_p95_ms": round(_percentile(cached, 0.95), 2)}


def _torch_threads() -> int:
    import torch

    return int(torch.get_num_threads())


def _touch_one_procedure(knowledge: Path, question: str = "câu hỏi thêm cho phép đo") -> None:
    target = sorted((knowledge / "procedures").glob("*.yaml"))[0]
    target.write_text(target.read_text(encoding="utf-8").replace(
        "example_questions:\n", f"example_questions:\n- {question}\n", 1),
        encoding="utf-8")


def build(args: argparse.Namespace, settings: IndexerSettings) -> dict[str, Any]:
    """Full build (optionally of the first N procedures), the raw encoding ceiling on the same
    passages, a no-op rebuild, and a rebuild after one procedure changes. With ``--index``,
    the one-procedure rebuild is also measured on a copy of that index and the whole catalogue.
    """
    from indexer.catalog.loader import load_catalog
    from indexer.passages import build_passages

    workdir = Path(tempfile.mkdtemp(prefix="bench-build-"))
    kw = {"progress": False, "calibration_file": settings.calibration_file,
          "batch_size": settings.batch_size}
    try:
        knowledge = workdir / "knowledge"
        shutil.copytree(args.knowledge, knowledge)
        if args.subset:  # full builds of a big catalogue take long on a shared CPU
            for path in sorted((knowledge / "procedures").glob("*.yaml"))[args.subset:]:
                path.unlink()
        index = Path(args.out_index) if args.out_index else workdir / "index"
        embedder = _embedder(settings)
        embedder.warm_up(passages=True)  # model load is not part of the build timings
        warm_up_text()  # nor is loading the word segmenter
        t0 = time.perf_counter()
        full = build_index(knowledge, index, embedder, force=True, **kw)
        full_s = time.perf_counter() - t0
        texts = [p.text for p in build_passages(load_catalog(knowledge))]
        if args.ceiling_sample and args.ceiling_sample < len(texts):  # a seeded random sample
            import random

            texts = random.Random(7).sample(texts, args.ceiling_sample)
        from indexer.build import _encode

        t0 = time.perf_counter()
        _encode(embedder, texts, settings.batch_size, False)
        raw_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        noop = build_index(knowledge, index, embedder, **kw)
        noop_s = time.perf_counter() - t0
        _touch_one_procedure(knowledge)
        t0 = time.perf_counter()
        incr = build_index(knowledge, index, embedder, **kw)
        incr_s = time.perf_counter() - t0
        result: dict[str, Any] = {
            "procedures": len(load_catalog(knowledge).procedures), "passages": full.passages,
            "full_build_s": round(full_s, 2),
            "full_build_passages_per_s": round(full.passages / full_s, 1),
            "build_encode_passages_per_s": round(full.encoded / full.encode_seconds, 1)
            if full.encode_seconds else None,
            "raw_encode_passages_per_s": round(len(texts) / raw_s, 1),
            "raw_encode_sample": len(texts),
            "noop_build_s": round(noop_s, 3), "noop": noop.noop,
            "incremental_build_s": round(incr_s, 2), "incremental_encoded": incr.encoded,
            "incremental_mode": getattr(incr, "mode", None),
            "model_id": embedder.model_id,
            "passage_encoder": getattr(embedder, "passage_encoder", "torch"),
            "batch_size": settings.batch_size, "load_average": os.getloadavg(),
        }
        if args.index:
            big_knowledge, big_index = workdir / "knowledge-full", workdir / "index-full"
            shutil.copytree(args.knowledge, big_knowledge)
            shutil.copytree(args.index, big_index)
            build_index(big_knowledge, big_index, embedder, **kw)  # catch up, if needed
            _touch_one_procedure(big_knowledge)
            t0 = time.perf_counter()
            big = build_index(big_knowledge, big_index, embedder, **kw)
            result["incremental_full_catalogue_s"] = round(time.perf_counter() - t0, 2)
            result["incremental_full_catalogue_passages"] = big.passages
            result["incremental_full_catalogue_encoded"] = big.encoded
        return result
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def _rename_one_procedure(knowledge: Path) -> None:
    """Change a procedure's name: every one of its passages starts with it, so all change."""
    target = sorted((knowledge / "procedures").glob("*.yaml"))[1]
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace("\nname: ", "\nname: (đo) ", 1), encoding="utf-8")


def _remove_one_procedure(knowledge: Path) -> None:
    sorted((knowledge / "procedures").glob("*.yaml"))[2].unlink()


def rebuild(args: argparse.Namespace, settings: IndexerSettings) -> dict[str, Any]:
    """Rebuilds of a copy of ``--index`` (a full build of ``--knowledge``) after one change
    each, in a row: one example question added to a procedure, a procedure renamed (all its
    passages change), a procedure removed. Works with the code of any commit on the path, so
    the same file measures the baseline in the same run."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-rebuild-"))
    kw = {"progress": False, "calibration_file": settings.calibration_file,
          "batch_size": settings.batch_size}
    try:
        knowledge, index = workdir / "knowledge", workdir / "index"
        shutil.copytree(args.knowledge, knowledge)
        shutil.copytree(args.index, index)
        embedder = _embedder(settings)
        embedder.warm_up(passages=True)  # loading the models is not part of the timings
        warm_up_text()
        t0 = time.perf_counter()
        catch_up = build_index(knowledge, index, embedder, **kw)
        result: dict[str, Any] = {
            "index": str(args.index), "catch_up_s": round(time.perf_counter() - t0, 2),
            "catch_up_noop": catch_up.noop,
            "model_id": embedder.model_id, "load_average_start": os.getloadavg()}
        for label, change in (("one_example_added", _touch_one_procedure),
                              ("one_procedure_renamed", _rename_one_procedure),
                              ("one_procedure_removed", _remove_one_procedure)):
            change(knowledge)
            t0 = time.perf_counter()
            built = build_index(knowledge, index, embedder, **kw)
            result[label] = {"seconds": round(time.perf_counter() - t0, 2),
                             "passages": built.passages, "encoded": built.encoded,
                             "mode": getattr(built, "mode", "rebuild"),
                             "changes": {k: v for k, v in built.changes.__dict__.items() if v}}
        # the same kind of change through the CLI in a fresh process: Python start, imports
        # and model loads included
        _touch_one_procedure(knowledge, "câu hỏi thêm cho phép đo qua dòng lệnh")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "indexer", "build", "--knowledge", str(knowledge),
                        "--index", str(index), "--no-progress"], check=True, env=env,
                       capture_output=True)
        result["cli_one_example_added_s"] = round(time.perf_counter() - t0, 2)
        result["load_average_end"] = os.getloadavg()
        return result
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def synthetic(args: argparse.Namespace, settings: IndexerSettings) -> dict[str, Any]:
    from synthetic_index import build_synthetic

    out_index = Path(args.out_index or tempfile.mkdtemp(prefix="bench-synth-"))
    t0 = time.perf_counter()
    build_synthetic(Path(args.index or settings.index_dir), out_index, args.passages)
    made_s = time.perf_counter() - t0
    args.index = str(out_index)
    result = latency(args, settings)
    result["synthetic_build_s"] = round(made_s, 1)
    result["memory"] = memory(args, settings)
    if not args.out_index:
        shutil.rmtree(out_index, ignore_errors=True)
    return result


def memory(args: argparse.Namespace, settings: IndexerSettings) -> dict[str, Any]:
    """Resident memory of a fresh process before loading, after load, after warm-up, for each
    query encoder (``--encoders``)."""
    index = str(args.index or settings.index_dir)
    code = (
        "import json, psutil, sys; p = psutil.Process(); base = p.memory_info().rss\n"
        "from indexer.search import Searcher\n"
        f"s = Searcher.load({index!r}); loaded = p.memory_info().rss\n"
        "s.warm_up(); s.search('lam giay khai sinh can gi'); warm = p.memory_info().rss\n"
        "print(json.dumps({'rss_start_mb': base / 2**20, 'rss_loaded_mb': loaded / 2**20,"
        " 'rss_warm_mb': warm / 2**20}))\n"
    )
    out: dict[str, Any] = {}
    for name in dict.fromkeys((args.encoders or "auto").split(",")):
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
               "INDEXER_QUERY_ENCODER": name}
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env=env, check=True)
        data = json.loads(proc.stdout.strip().splitlines()[-1])
        out[name] = {k: round(v, 1) for k, v in data.items()}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("quality", "latency", "build", "rebuild",
                                            "synthetic", "memory"))
    parser.add_argument("--index")
    parser.add_argument("--knowledge", default="knowledge")
    parser.add_argument("--dev", default="benchmarks/data/dev_questions.jsonl")
    parser.add_argument("--fresh", default="benchmarks/data/fresh_questions.jsonl")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--encoders", default="auto,torch",
                        help="latency: query encoders to compare in one run (auto, onnx-int8, torch)")
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--out-index", help="synthetic, build: keep the built index here")
    parser.add_argument("--ceiling-sample", type=int,
                        help="build: measure the raw encoding ceiling on N random passages")
    parser.add_argument("--keep", action="store_true", help="keep the build work directory")
    parser.add_argument("--subset", type=int, help="build: keep only the first N procedures")
    parser.add_argument("--recalibrate", action="store_true",
                        help="also refit the hybrid on dev (default: use the committed one)")
    parser.add_argument("--out", type=Path, help="also write the JSON result here")
    args = parser.parse_args()
    settings = IndexerSettings()
    result = {"latency": latency, "quality": quality, "build": build, "rebuild": rebuild,
              "synthetic": synthetic, "memory": memory}[args.command](args, settings)
    text = json.dumps(result, ensure_ascii=False, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
