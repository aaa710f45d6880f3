"""benchmarks/understanding_eval.py: judging replies, the Rasa NLU file, the live loop, the labels."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from api.services.render import RENDERERS, citation_label
from benchmarks.understanding_eval import (
    ASPECTS,
    INTENTS,
    LABELS,
    SCOPES,
    judge,
    labels_from_question_set,
    load_catalogue,
    load_labels,
    markdown,
    run_live,
    to_rasa_nlu,
)
from indexer.catalog import load_catalog

REPO = Path(__file__).resolve().parents[2]
SHARED_EVAL = Path(os.environ.get("TTHC_SHARED_EVAL", REPO.parent / "shared" / "eval"))
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
DOMAIN = yaml.safe_load((REPO / "bot" / "domain.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def catalogue():  # type: ignore[no-untyped-def]
    return load_catalogue(REPO / "knowledge")


@pytest.fixture(scope="module")
def procedures():  # type: ignore[no-untyped-def]
    return load_catalog(REPO / "knowledge").by_id


def utter(name: str) -> str:
    return str(DOMAIN["responses"][name][0]["text"])


def bot(*messages: dict[str, Any]) -> dict[str, Any]:
    return {"session_id": "a" * 32, "state": "bot",
            "messages": [{"role": "bot", "buttons": [], "citation": None, **m} for m in messages]}


def answer_msg(proc: Any, aspect: str = "conditions") -> dict[str, Any]:
    """The composer's answer: body from the renderer, then the citation line."""
    label = citation_label(proc)
    return {"text": f"{RENDERERS[aspect](proc, '1022')}\n{label}",
            "citation": {"label": label, "url": None},
            "buttons": [{"title": "Lệ phí", "payload": "/ask_fee"}]}


def label(**kw: Any) -> dict[str, Any]:
    base = {"line": 1, "text": "x", "intent": "ask_conditions", "procedures": [],
            "scope": "out_of_catalogue", "dossier_code": False, "explicit_complaint": False}
    return {**base, **kw}


MARRIAGE = label(intent="ask_conditions", procedures=["dang-ky-ket-hon"], scope="in_catalogue")


# -- judge -----------------------------------------------------------------------------------------
def test_answer_with_the_labelled_procedure_is_usable(catalogue, procedures) -> None:  # type: ignore[no-untyped-def]
    result = judge(MARRIAGE, bot(answer_msg(procedures["dang-ky-ket-hon"])), catalogue=catalogue)
    assert result["kind"] == "answer"
    assert result["procedure_ids"] == ["dang-ky-ket-hon"]
    assert result["usable"] and not result["harmful"]


def test_answer_about_another_procedure_is_harmful(catalogue, procedures) -> None:  # type: ignore[no-untyped-def]
    reply = bot(answer_msg(procedures["dang-ky-ket-hon-co-yeu-to-nuoc-ngoai"]))
    result = judge(MARRIAGE, reply, catalogue=catalogue)
    assert result["procedure_ids"] == ["dang-ky-ket-hon-co-yeu-to-nuoc-ngoai"]
    assert result["harmful"] and not result["usable"]
    assert "harmful:wrong_procedure:dang-ky-ket-hon-co-yeu-to-nuoc-ngoai" in result["reasons"]


def test_any_procedure_answer_to_an_out_of_catalogue_question_is_harmful(catalogue, procedures) -> None:  # type: ignore[no-untyped-def]
    result = judge(label(), bot(answer_msg(procedures["giai-the-doanh-nghiep"], "documents")),
                   catalogue=catalogue)
    assert result["harmful"] and "harmful:procedure_answer_for_out_of_catalogue" in result["reasons"]


def test_two_procedure_answer_needs_both_in_the_labels(catalogue, procedures) -> None:  # type: ignore[no-untyped-def]
    a, b = procedures["giai-quyet-khieu-nai-lan-dau"], procedures["giai-quyet-to-cao"]
    reply = bot(answer_msg(a, "overview"), answer_msg(b, "overview"))
    both = label(procedures=[a.id, b.id], scope="in_catalogue", two_procedures=True)
    assert judge(both, reply, catalogue=catalogue)["usable"]
    one = label(procedures=[a.id], scope="in_catalogue")
    assert judge(one, reply, catalogue=catalogue)["harmful"]


def test_complaint_acknowledgement_is_harmful_unless_the_message_complains(catalogue) -> None:  # type: ignore[no-untyped-def]
    reply = bot({"text": utter("utter_feedback_received")})
    assert judge(label(), reply, catalogue=catalogue)["kind"] == "complaint_ack"
    assert judge(label(), reply, catalogue=catalogue)["harmful"]
    assert not judge(label(explicit_complaint=True), reply, catalogue=catalogue)["harmful"]


def test_dossier_form_prompt_is_harmful_without_a_code(catalogue) -> None:  # type: ignore[no-untyped-def]
    reply = bot({"text": utter("utter_ask_dossier_code")})
    result = judge(label(), reply, catalogue=catalogue)
    assert result["kind"] == "dossier_form" and result["harmful"]
    assert not judge(label(dossier_code=True), reply, catalogue=catalogue)["harmful"]


def test_da_vang_is_harmful_except_after_yes_or_no(catalogue) -> None:  # type: ignore[no-untyped-def]
    reply = bot({"text": "Dạ vâng. Anh/Chị cần hỏi thêm về thủ tục nào ạ?"})
    result = judge(label(intent="ask_documents"), reply, catalogue=catalogue)
    assert result["kind"] == "dav_vang" and result["harmful"]
    for intent in ("affirm", "deny"):
        polite = judge(label(intent=intent, scope="not_procedure"), reply, catalogue=catalogue)
        assert not polite["harmful"] and polite["usable"]
    declined = bot({"text": utter("utter_handoff_declined")})
    assert judge(label(intent="greet"), declined, catalogue=catalogue)["harmful"]
    anything_else = judge(label(intent="affirm", scope="not_procedure"),
                          bot({"text": utter("utter_anything_else")}), catalogue=catalogue)
    assert anything_else["kind"] == "smalltalk" and anything_else["usable"]


def test_clarification_is_usable_only_with_a_labelled_button(catalogue) -> None:  # type: ignore[no-untyped-def]
    def clarify(*ids: str) -> dict[str, Any]:
        buttons = [{"title": i, "payload": "/choose_procedure" + json.dumps({"procedure_id": i})}
                   for i in ids]
        return bot({"text": utter("utter_ask_which_procedure"), "buttons": buttons})

    good = judge(MARRIAGE, clarify("dang-ky-ket-hon-co-yeu-to-nuoc-ngoai", "dang-ky-ket-hon"),
                 catalogue=catalogue)
    assert good["kind"] == "clarify" and good["usable"] and not good["harmful"]
    assert good["procedure_ids"] == ["dang-ky-ket-hon-co-yeu-to-nuoc-ngoai", "dang-ky-ket-hon"]
    bad = judge(MARRIAGE, clarify("dang-ky-khai-sinh"), catalogue=catalogue)
    assert bad["kind"] == "clarify" and not bad["usable"] and not bad["harmful"]
    which = bot({"text": utter("utter_ask_dossier_or_procedure")})
    assert judge(label(), which, catalogue=catalogue)["kind"] == "clarify"
    assert not judge(label(), which, catalogue=catalogue)["harmful"]


def test_abstention_is_usable_outside_the_catalogue_only(catalogue) -> None:  # type: ignore[no-untyped-def]
    text = ("Xin lỗi, tôi chưa có thông tin về nội dung này. Anh/Chị vui lòng gọi tổng đài "
            "1022 để được cán bộ hướng dẫn.")
    for reply in (bot({"text": text}), bot({"text": utter("utter_out_of_scope")}),
                  bot({"text": utter("utter_no_information")})):
        assert judge(label(), reply, catalogue=catalogue)["kind"] == "abstain"
        assert judge(label(), reply, catalogue=catalogue)["usable"]
        assert not judge(MARRIAGE, reply, catalogue=catalogue)["usable"]


def test_small_talk_and_handoff_are_polite(catalogue) -> None:  # type: ignore[no-untyped-def]
    greet = judge(label(intent="greet", scope="not_procedure"), bot({"text": utter("utter_greet")}),
                  catalogue=catalogue)
    assert greet["kind"] == "smalltalk" and greet["usable"]
    queued = bot({"text": utter("utter_handoff_queued_no_estimate")})
    assert judge(label(), queued, catalogue=catalogue)["kind"] == "handoff"


def test_faq_answer_is_not_taken_for_a_procedure(catalogue) -> None:  # type: ignore[no-untyped-def]
    faq = yaml.safe_load((REPO / "knowledge/faq/chung-thuc-ban-sao-o-dau.yaml").read_text("utf-8"))
    source = " ".join(faq["source"]["reference"].split())
    assert "cấp bản sao từ sổ gốc" in source  # a procedure name inside the law title
    reply = bot({"text": f"{faq['answer']}\nNguồn: {source}",
                 "citation": {"label": f"Nguồn: {source}", "url": None}})
    hit = judge(label(faqs=[faq["id"]]), reply, catalogue=catalogue)
    assert hit["kind"] == "answer" and hit["procedure_ids"] == [] and hit["faq_ids"] == [faq["id"]]
    assert hit["usable"] and not hit["harmful"]
    assert not judge(label(), reply, catalogue=catalogue)["usable"]


def test_empty_or_unknown_reply_is_other(catalogue) -> None:  # type: ignore[no-untyped-def]
    result = judge(MARRIAGE, {"messages": []}, catalogue=catalogue)
    assert result["kind"] == "other" and not result["usable"] and not result["harmful"]


# -- Rasa NLU file -----------------------------------------------------------------------------------
def test_to_rasa_nlu_round_trip(tmp_path: Path) -> None:
    labels = [label(text="Hồ sơ gồm những gì?", intent="ask_documents"),
              label(text="xin chào", intent="greet"),
              label(text="Hồ sơ gồm những gì?", intent="ask_documents"),
              label(text="/ask_detail", intent=None, skip=True),
              label(text="ho so gom nhung gi", intent="ask_documents"),
              label(text="ai được làm thay?", intent="ask_who")]
    path = to_rasa_nlu(labels, tmp_path / "nlu.yml")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["version"] == "3.1"
    blocks = {b["intent"]: [e[2:] for e in b["examples"].splitlines()] for b in data["nlu"]}
    assert blocks == {"greet": ["xin chào"],
                      "ask_documents": ["Hồ sơ gồm những gì?", "ho so gom nhung gi"],
                      "ask_who": ["ai được làm thay?"]}


def test_rasa_nlu_file_of_the_real_labels(tmp_path: Path) -> None:
    labels = load_labels(LABELS)
    data = yaml.safe_load(to_rasa_nlu(labels, tmp_path / "p.yml").read_text(encoding="utf-8"))
    examples = [e for b in data["nlu"] for e in b["examples"].splitlines()]
    assert {b["intent"] for b in data["nlu"]} <= set(INTENTS)
    assert len(examples) == len({" ".join(x["text"].split()) for x in labels if not x.get("skip")})
    assert all(e.startswith("- ") and "[" not in e for e in examples)


# -- live loop (mock transport) ----------------------------------------------------------------------
async def test_run_live_asks_each_message_in_a_new_conversation(tmp_path: Path, procedures) -> None:  # type: ignore[no-untyped-def]
    seen: list[dict[str, Any]] = []
    marriage = answer_msg(procedures["dang-ky-ket-hon"])

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        seen.append(body)
        assert request.url.path == "/v1/chat/web"
        msg = marriage if "kết hôn" in body["text"] else {"text": utter("utter_out_of_scope")}
        return httpx.Response(200, json=bot(msg) | {"session_id": body["session_id"]})

    labels = [label(line=1, text="Nam 19 tuổi có được đăng ký kết hôn không?",
                    procedures=["dang-ky-ket-hon"], scope="in_catalogue"),
              label(line=2, text="Hồ sơ chào bán cổ phiếu gồm gì?", intent="ask_documents"),
              label(line=3, text="/ask_detail", intent=None, skip=True, scope="not_procedure")]
    out = tmp_path / "live.jsonl"
    summary = await run_live("http://api.test/", labels, out, transport=httpx.MockTransport(handler))
    assert len(seen) == 2 and seen[0]["session_id"] != seen[1]["session_id"]
    assert all(re.fullmatch(r"[0-9a-f]{32}", s["session_id"]) for s in seen)
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [r["line"] for r in rows] == [1, 2] and [r["kind"] for r in rows] == ["answer", "abstain"]
    assert summary["questions"] == 2 and summary["harmful_rate"] == 0.0
    assert summary["usable_rate_in_catalogue"] == 1.0 and summary["kinds"] == {"answer": 1, "abstain": 1}
    assert "| harmful_rate | 0.0 |" in markdown(summary)


async def test_run_live_records_a_failed_request(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    summary = await run_live("http://api.test", [label()], tmp_path / "x.jsonl",
                             transport=httpx.MockTransport(handler))
    assert summary["errors"] == 1 and summary["kinds"] == {"other": 1}


# -- the labels file -------------------------------------------------------------------------------
def test_portal_labels_are_valid(procedures) -> None:  # type: ignore[no-untyped-def]
    labels = load_labels(LABELS)
    faqs = {p.stem for p in (REPO / "knowledge" / "faq").glob("*.yaml")}
    assert [x["line"] for x in labels] == list(range(1, len(labels) + 1))
    assert {"ask_deadline", "ask_validity", "ask_result", "ask_who", "ask_form"} <= set(INTENTS)
    by_line = {x["line"]: x for x in labels}
    for x in labels:
        where = f"line {x['line']}"
        if x.get("skip"):
            assert x["intent"] is None and x["scope"] == "not_procedure", where
            continue
        assert x["intent"] in INTENTS, where
        assert x["aspect"] is None or x["aspect"] in ASPECTS, where
        assert x["scope"] in SCOPES, where
        assert all(p in procedures for p in x["procedures"] + x.get("near_miss", [])), where
        assert all(f in faqs for f in x.get("faqs", [])), where
        assert (x["scope"] == "in_catalogue") == bool(x["procedures"]), where
        assert not set(x["procedures"]) & set(x.get("near_miss", [])), where
        assert x["two_procedures"] <= (len(x["procedures"]) != 1), where
        for flag in ("yes_no", "two_procedures", "dossier_code", "explicit_complaint"):
            assert isinstance(x[flag], bool), f"{where}: {flag}"
        if x["pair"] is not None:
            twin = by_line[x["pair"]]
            assert twin["pair"] == x["line"], where
            same = ("intent", "aspect", "yes_no", "procedures", "scope", "two_procedures")
            assert all(twin[k] == x[k] for k in same), where


def test_every_portal_message_is_labelled_exactly_once() -> None:
    source = SHARED_EVAL / "portal_questions.txt"
    if not source.is_file():
        if IN_CI:
            pytest.fail(f"CI needs the outside evaluation messages at {source}")
        pytest.skip(f"{source} not found (outside CI)")
    lines = source.read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    labels = load_labels(LABELS)
    assert len(labels) == len(lines)
    assert [(x["line"], x["text"]) for x in labels] == list(enumerate(lines, 1))


def test_question_set_labels_name_catalogue_procedures(tmp_path: Path) -> None:
    qs = tmp_path / "qs.jsonl"
    qs.write_text(
        '{"q": "khai sinh cần gì", "procedure": "Đăng ký khai sinh", "aspect": "documents"}\n'
        '{"q": "thời tiết mai thế nào", "procedure": null}\n', encoding="utf-8")
    first, second = labels_from_question_set(qs)
    assert first["procedures"] == ["dang-ky-khai-sinh"] and first["intent"] == "ask_documents"
    assert first["scope"] == "in_catalogue"
    assert second["procedures"] == [] and second["scope"] == "out_of_catalogue"
    qs.write_text('{"q": "x", "procedure": "Thủ tục không có thật"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="unknown procedure"):
        labels_from_question_set(qs)
