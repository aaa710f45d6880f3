"""Unanswered questions grouped by the real bundled model (the search's query encoder) at the
default threshold (``-m integration``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.office.unanswered import group_questions
from api.settings import ApiSettings
from indexer.embedding import embedder_from_settings
from indexer.settings import IndexerSettings

pytestmark = pytest.mark.integration

QUESTIONS = ["Cách nuôi cá cảnh?", "cách nuôi cá cảnh trong nhà", "Nuôi cá cảnh thế nào",
             "Giá vàng hôm nay bao nhiêu?", "giá vàng hôm nay", "Mua vé tàu Tết ở đâu?",
             "vé tàu tết mua ở đâu", "Thời tiết cuối tuần thế nào?"]


def test_the_bundled_model_groups_paraphrases_and_keeps_topics_apart(
        bundled_model: Path) -> None:
    encoder = embedder_from_settings(IndexerSettings())
    similarity = ApiSettings.model_fields["unanswered_similarity"].default
    groups = group_questions([(q, "abstained") for q in QUESTIONS], encoder,
                             similarity=similarity)
    assert [(g.representative, g.count) for g in groups] == [
        ("Cách nuôi cá cảnh?", 3), ("Giá vàng hôm nay bao nhiêu?", 2),
        ("Mua vé tàu Tết ở đâu?", 2), ("Thời tiết cuối tuần thế nào?", 1)]
