"""Encode and tokenise the passages a build needs, each distinct text once, in one worker
process per core for large builds.

A full portal build is CPU-bound in two places: the passage encoder and underthesea's word
segmentation (a few ms a passage, pure Python around a CRF). Worker processes each run one
encoder thread and one segmenter, so both cores stay busy with no GIL in the way. Work goes
out in chunks, the most expensive first, so the workers finish together. Small builds (unit
tests, an incremental change) run in the calling process.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from indexer.bm25 import Bag, bag_of
from indexer.embedding import Embedder

logger = logging.getLogger(__name__)

POOL_MIN_TEXTS = 2_000  # below this, starting the workers costs more than it saves
ENCODE_CHUNK = 64
TOKENIZE_CHUNK = 256


@dataclass
class Work:
    vectors: np.ndarray  # one row per text to encode, in the order given
    bags: list[Bag]  # one per text to tokenise, in the order given
    seconds: float  # wall time of the whole step


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def encode_and_tokenize(embedder: Embedder, encode: Sequence[str], tokenize: Sequence[str], *,
                        batch_size: int = 32, progress: bool = False,
                        workers: int | None = None, pool_min: int = POOL_MIN_TEXTS) -> Work:
    """Vectors of ``encode`` and bags of words of ``tokenize``; duplicates are done once."""
    started = time.perf_counter()
    enc_unique, enc_back = _unique(encode)
    tok_unique, tok_back = _unique(tokenize)
    workers = usable_cores() if workers is None else workers
    spec = getattr(embedder, "worker_spec", None)
    if workers > 1 and spec is not None and len(enc_unique) + len(tok_unique) >= pool_min:
        vectors, bags = _in_pool(spec(), enc_unique, tok_unique, workers, progress)
    else:
        vectors = (_encode(embedder, enc_unique, batch_size, progress) if enc_unique
                   else np.zeros((0, embedder.dim), dtype=np.float32))
        bags = [_bag(t) for t in tok_unique]
    return Work(vectors[enc_back] if len(encode) else vectors[:0],
                [bags[i] for i in tok_back], time.perf_counter() - started)


def _unique(texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
    first: dict[str, int] = {}
    back = np.array([first.setdefault(t, len(first)) for t in texts], dtype=np.int64)
    return list(first), back


def _bag(text: str) -> Bag:
    from indexer.text import lexical_tokens

    return bag_of(lexical_tokens(text))


def _encode(embedder: Embedder, texts: list[str], batch_size: int, progress: bool) -> np.ndarray:
    """Encode in batches of similar length (less padding), in the original order."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    bar = None
    if progress and len(texts) >= batch_size:
        from tqdm import tqdm

        bar = tqdm(total=len(texts), desc="encode", unit="passage")
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        out[rows] = embedder.encode_passages([texts[i] for i in rows])
        if bar is not None:
            bar.update(len(rows))
    if bar is not None:
        bar.close()
    return out


# -- worker processes -------------------------------------------------------------------------
_WORKER: dict[str, Any] = {}


def _init_worker(spec: dict[str, Any]) -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from indexer.embedding import load_embedder

    embedder = load_embedder(**spec)
    embedder.warm_up(passages=True)
    _WORKER["embedder"] = embedder


def _run_task(task: tuple[str, list[int], list[str]]) -> tuple[str, list[int], Any]:
    kind, rows, texts = task
    if kind == "encode":
        embedder = _WORKER["embedder"]
        return kind, rows, embedder.encode_passages(texts)
    return kind, rows, [_bag(t) for t in texts]


def _in_pool(spec: dict[str, Any], encode: list[str], tokenize: list[str], workers: int,
             progress: bool) -> tuple[np.ndarray, list[Bag]]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    tasks: list[tuple[int, tuple[str, list[int], list[str]]]] = []
    order = sorted(range(len(encode)), key=lambda i: len(encode[i]), reverse=True)
    for start in range(0, len(order), ENCODE_CHUNK):
        rows = order[start : start + ENCODE_CHUNK]
        cost = sum(min(len(encode[i]), 1200) for i in rows)  # the encoder truncates
        tasks.append((cost * 4, ("encode", rows, [encode[i] for i in rows])))
    for start in range(0, len(tokenize), TOKENIZE_CHUNK):
        rows = list(range(start, min(start + TOKENIZE_CHUNK, len(tokenize))))
        tasks.append((sum(len(tokenize[i]) for i in rows), ("tokenize", rows,
                                                           [tokenize[i] for i in rows])))
    tasks.sort(key=lambda t: -t[0])  # longest first: the workers finish together
    vectors: np.ndarray | None = None
    bags: list[Bag | None] = [None] * len(tokenize)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(encode) + len(tokenize), desc="encode+tokenize", unit="text")
    # spawn: no fork of a process that holds thread pools; an executor (unlike
    # multiprocessing.Pool) fails instead of restarting a worker that cannot start
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker,
                             initargs=(spec,)) as pool:
        futures = [pool.submit(_run_task, task) for _, task in tasks]
        try:
            for future in as_completed(futures):
                kind, rows, result = future.result()
                if kind == "encode":
                    if vectors is None:
                        vectors = np.zeros((len(encode), result.shape[1]), dtype=np.float32)
                    vectors[rows] = result
                else:
                    for row, bag in zip(rows, result):
                        bags[row] = bag
                if bar is not None:
                    bar.update(len(rows))
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    if bar is not None:
        bar.close()
    if vectors is None:
        vectors = np.zeros((0, int(spec.get("dim", 0) or 0)), dtype=np.float32)
    logger.info("build.workers.done", extra={"workers": workers, "encoded": len(encode),
                                             "tokenized": len(tokenize)})
    return vectors, [b if b is not None else bag_of([]) for b in bags]
