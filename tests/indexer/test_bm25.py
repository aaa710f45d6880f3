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


def _scores_by_doc(index: BM25Index, docs: list[int], query: list[str]) -> np.ndarray:
    return index.scores(query)[docs]


def test_updated_by_difference_scores_like_a_fresh_fit() -> None:
    from indexer.bm25 import bag_of

    old = BM25Index.fit(CORPUS)
    added = [["dang", "ky", "khai", "tu"], ["so", "hong", "moi"]]
    new = old.updated([1, 3], {4: bag_of(added[0]), 5: bag_of(added[1])}, 6)
    live = [0, 2, 4, 5]
    fresh = BM25Index.fit([CORPUS[0], CORPUS[2], *added])
    assert new.n_docs == fresh.n_docs == 4 and list(new.dead) == [1, 3]
    for query in (["dang", "ky"], ["so", "do"], ["hon"], ["hong", "moi", "xyz"], ["ket"]):
        np.testing.assert_allclose(_scores_by_doc(new, live, query),
                                   _scores_by_doc(fresh, [0, 1, 2, 3], query), rtol=1e-6)
        assert new.max_score(query) == pytest.approx(fresh.max_score(query))
    assert new.scores(["ket", "hon"])[1] == 0  # the dead document matches nothing
    # "ket"/"hon" lost their only document: they score like unseen terms
    assert float(new.idf[new.vocab["hon"]]) == pytest.approx(new.unseen_idf)


def test_from_bags_reuses_postings_of_an_older_index() -> None:
    from indexer.bm25 import bag_of

    old = BM25Index.fit(CORPUS)
    old_to_new = np.array([1, -1, 0, 2])  # document 1 dropped, the others reordered
    new = BM25Index.from_bags({3: bag_of(["ket", "hon", "moi"])}, 4, reuse=(old, old_to_new))
    fresh = BM25Index.fit([CORPUS[2], CORPUS[0], CORPUS[3], ["ket", "hon", "moi"]])
    assert list(new.vocab) == list(fresh.vocab)  # sorted, only terms still used
    for name in ("indptr", "doc_ids", "tfs", "doc_len"):
        np.testing.assert_array_equal(getattr(new, name), getattr(fresh, name))


def test_save_and_load_keep_dead_documents(tmp_path: Path) -> None:
    from indexer.bm25 import bag_of

    index = BM25Index.fit(CORPUS).updated([0], {4: bag_of(["moi"])}, 5)
    index.save(tmp_path)
    loaded = BM25Index.load(tmp_path)
    assert list(loaded.dead) == [0] and loaded.n_docs == 4
    np.testing.assert_allclose(loaded.scores(["dang", "moi"]), index.scores(["dang", "moi"]))
