"""Metrics and hit rule of benchmarks/rasa_baseline.py on a tiny hand-made input (no training)."""

from __future__ import annotations

import pytest

from benchmarks.rasa_baseline import (
    Prediction,
    Question,
    calibrate_threshold,
    metrics,
    names_to_ids,
    prediction_from_parse,
    threshold_for_inscope_abstain,
)

pytestmark = pytest.mark.rasa

CATALOGUE = {
    "dang-ky-khai-sinh": {"names": ["Đăng ký khai sinh", "Thủ tục làm giấy khai sinh"],
                          "examples": []},
    "dang-ky-ket-hon": {"names": ["Đăng ký kết hôn"], "examples": []},
    "cap-doi-gplx": {"names": ["Đổi giấy phép lái xe"], "examples": []},
}
NAMES = names_to_ids(CATALOGUE)

QUESTIONS = [
    Question("lam giay khai sinh", "Thủ tục Đăng ký khai sinh", "no_diacritics"),  # rank 1
    Question("đăng ký kết hôn ở đâu", "ĐĂNG KÝ KẾT HÔN", "diacritics"),  # rank 2
    Question("doi bang lai", "làm giấy khai sinh", "teencode"),  # alias label; rank 3
    Question("thời tiết hôm nay", None, "diacritics"),  # out of scope, low confidence
    Question("giá vàng", None, None),  # out of scope, high confidence
]
PREDS = [
    Prediction(("dang-ky-khai-sinh", "dang-ky-ket-hon"), 0.9),
    Prediction(("cap-doi-gplx", "dang-ky-ket-hon"), 0.6),
    Prediction(("cap-doi-gplx", "dang-ky-ket-hon", "dang-ky-khai-sinh"), 0.4),
    Prediction(("dang-ky-ket-hon",), 0.2),
    Prediction(("cap-doi-gplx",), 0.7),
]


def test_hit_rule_and_metrics_without_abstention() -> None:
    m = metrics(QUESTIONS, PREDS, NAMES, threshold=0.0)
    assert m["n"] == 3 and m["oos_n"] == 2
    assert m["recall_at_1"] == round(1 / 3, 4)
    assert m["recall_at_3"] == 1.0
    assert m["mrr"] == round((1 + 1 / 2 + 1 / 3) / 3, 4)
    assert m["oos_abstain_rate"] == 0.0 and m["inscope_abstain_rate"] == 0.0
    assert m["by_style"] == {"diacritics": {"n": 1, "recall_at_1": 0.0},
                             "no_diacritics": {"n": 1, "recall_at_1": 1.0},
                             "teencode": {"n": 1, "recall_at_1": 0.0}}


def test_abstention_counts_as_miss() -> None:
    m = metrics(QUESTIONS, PREDS, NAMES, threshold=0.5)
    assert m["recall_at_3"] == round(2 / 3, 4)  # the 0.4 question abstained
    assert m["inscope_abstain_rate"] == round(1 / 3, 4)
    assert m["oos_abstain_rate"] == 0.5


def test_unknown_label_is_never_a_hit() -> None:
    m = metrics([Question("x", "Không có thủ tục này")], [Prediction(("dang-ky-ket-hon",), 1.0)],
                NAMES, threshold=0.0)
    assert m["recall_at_5"] == 0.0


def test_threshold_meets_oos_constraint_with_best_recall() -> None:
    # abstaining on both OOS questions needs a threshold above 0.7: only 0.9 survives in scope
    assert calibrate_threshold(QUESTIONS, PREDS, NAMES, min_oos_abstain=0.9) == 0.9
    assert calibrate_threshold(QUESTIONS, PREDS, NAMES, min_oos_abstain=0.5) == 0.4


def test_prediction_from_parse_reads_response_selector_output() -> None:
    parsed = {"response_selector": {"faq": {
        "response": {"confidence": 0.81, "intent_response_key": "faq/dang-ky-ket-hon"},
        "ranking": [{"intent_response_key": "faq/dang-ky-ket-hon", "confidence": 0.81},
                    {"intent_response_key": "faq/dang-ky-khai-sinh", "confidence": 0.1}]}}}
    assert prediction_from_parse(parsed) == Prediction(("dang-ky-ket-hon", "dang-ky-khai-sinh"),
                                                       0.81)
    assert prediction_from_parse({}) == Prediction((), 0.0)


def test_inscope_rule_threshold_is_highest_within_budget() -> None:
    # in-scope confidences 0.9, 0.6, 0.4: abstaining on one of three (0.33) fits a 0.4 budget
    assert threshold_for_inscope_abstain(QUESTIONS, PREDS, max_inscope_abstain=0.4) == 0.6
    assert threshold_for_inscope_abstain(QUESTIONS, PREDS, max_inscope_abstain=0.05) == 0.4
