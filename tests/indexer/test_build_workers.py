"""Encoding and tokenising for a build: worker processes give the same vectors and bags of
words as the calling process, and each distinct text is done once."""

from __future__ import annotations

import numpy as np

from indexer.bm25 import bag_of
from indexer.build_workers import encode_and_tokenize
from indexer.embedding import HashingEmbedder
from indexer.text import lexical_tokens
from tests.indexer.conftest import CountingEmbedder

TEXTS = ["Đăng ký khai sinh: hồ sơ gồm tờ khai", "Đăng ký kết hôn: lệ phí miễn phí",
         "Cấp lại giấy chứng nhận bị mất", "Đăng ký khai sinh: hồ sơ gồm tờ khai",
         "Thẻ thư viện điện tử", "Tra cứu hồ sơ trực tuyến ở đâu"] * 3


def test_each_distinct_text_is_encoded_once_in_order(counting_embedder: CountingEmbedder) -> None:
    embedder = counting_embedder
    work = encode_and_tokenize(embedder, TEXTS, TEXTS[:4], workers=1)
    assert sorted(embedder.seen) == sorted(set(TEXTS))
    expected = HashingEmbedder(counting_embedder.dim).encode_passages(TEXTS)
    np.testing.assert_allclose(work.vectors, expected)
    assert work.bags == [bag_of(lexical_tokens(t)) for t in TEXTS[:4]]


def test_worker_processes_give_the_same_result() -> None:
    serial = encode_and_tokenize(HashingEmbedder(16), TEXTS, TEXTS[1:], workers=1)
    pooled = encode_and_tokenize(HashingEmbedder(16), TEXTS, TEXTS[1:], workers=2, pool_min=1)
    np.testing.assert_allclose(pooled.vectors, serial.vectors, atol=1e-7)
    assert pooled.bags == serial.bags


def test_nothing_to_do() -> None:
    work = encode_and_tokenize(HashingEmbedder(16), [], [], workers=2, pool_min=1)
    assert work.vectors.shape == (0, 16) and work.bags == []


class BrokenWorkerEmbedder(HashingEmbedder):
    def worker_spec(self) -> dict[str, object]:
        return {"spec": "fake:not-a-number"}  # load_embedder fails in the worker


def test_a_worker_that_cannot_start_fails_the_build() -> None:
    from concurrent.futures.process import BrokenProcessPool

    import pytest

    with pytest.raises(BrokenProcessPool):
        encode_and_tokenize(BrokenWorkerEmbedder(16), TEXTS, TEXTS, workers=2, pool_min=1)
