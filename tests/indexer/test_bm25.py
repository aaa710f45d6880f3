from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from indexer.bm25 import BM25Index

CORPUS = [["dang", "ky", "khai", "sinh"], ["dang", "ky", "ket", "hon"],
          ["cap", "lai", "so", "do", "so", "do"], []]


def test_scores_rank_the_matching_document_first() -> None:
    index = BM25Index.fit(CORPUS)
    scores = index.scores(["khai", "sinh"])
    assert int(np.argmax(scores)) == 0
    assert scores[1] == 0 and scores[3] == 0


def test_scores_match_the_okapi_formula() -> None:
    index = BM25Index.fit(CORPUS, k1=1.2, b=0.75)
    avg = sum(map(len, CORPUS)) / len(CORPUS)
    idf = np.log1p((4 - 1 + 0.5) / (1 + 0.5))
    tf, dl = 2, 6
    expected = idf * tf * 2.2 / (tf + 1.2 * (1 - 0.75 + 0.75 * dl / avg))
    assert index.scores(["so"])[2] == pytest.approx(expected, rel=1e-5)


def test_max_score_bounds_scores_and_counts_unseen_terms() -> None:
    index = BM25Index.fit(CORPUS)
    for query in (["dang", "ky"], ["so", "do", "vang"], ["khai", "sinh"]):
        assert index.scores(query).max() <= index.max_score(query)
    assert index.max_score(["khai", "vang"]) > index.max_score(["khai"])


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    index = BM25Index.fit(CORPUS)
    index.save(tmp_path)
    loaded = BM25Index.load(tmp_path)
    np.testing.assert_allclose(loaded.scores(["dang", "hon"]), index.scores(["dang", "hon"]))
