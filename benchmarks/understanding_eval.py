"""Understanding evaluation on the outside portal messages (benchmarks/data/portal_dev.jsonl).

Two uses of the same labels (see benchmarks/data/portal_dev.md; never training data):

- ``nlu-yaml OUT.yml``: a Rasa 3.x NLU test file for ``rasa test nlu --nlu OUT.yml``.
- ``live --api URL --out FILE.jsonl``: every message asked once in a new web-chat conversation
  (``POST /v1/chat/web``), each reply judged by ``judge`` (harmful? usable?), a summary table.

Stdlib + httpx + PyYAML only, so it runs from either virtual environment::

    python benchmarks/understanding_eval.py nlu-yaml /tmp/portal_nlu.yml
    python benchmarks/understanding_eval.py live --api http://127.0.0.1:8000 --out /tmp/portal.jsonl

Every question comes from this machine's address: start the API for ``live`` with
``API_ADDRESS_RATE_LIMIT_PER_MINUTE=100000`` (the per-address limit of the widget routes is 60).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import re
import sys
import time
import unicodedata
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "benchmarks" / "data" / "portal_dev.jsonl"
KNOWLEDGE = ROOT / "knowledge"

# The shared contract's intents (issue 11): the existing ones, then the five new ones.
INTENTS = (
    "greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "ask_documents",
    "ask_processing_time", "ask_fee", "ask_place", "ask_steps", "ask_online", "ask_conditions",
    "ask_procedure", "check_dossier_status", "give_factor", "stop", "request_human",
    "give_feedback", "rate_service", "out_of_scope", "choose_procedure",
    "ask_deadline", "ask_validity", "ask_result", "ask_who", "ask_form",
)
ASPECTS = ("overview", "documents", "time", "fee", "place", "steps", "online", "conditions",
           "legal_basis", "result", "deadline", "validity", "who", "forms")
SCOPES = ("in_catalogue", "out_of_catalogue", "not_procedure")
KINDS = ("answer", "clarify", "abstain", "complaint_ack", "dossier_form", "dav_vang",
         "smalltalk", "handoff", "other")

# Bot texts (bot/domain.yml, api/services/composer.py, api/services/handoff.py), folded.
COMPLAINT_ACK = "em xin ghi nhận phản ánh"
DOSSIER_PROMPTS = ("vui lòng nhập mã hồ sơ", "vui lòng nhập 4 số cuối số điện thoại")
CLARIFY_START = "anh/chị hỏi về thủ tục nào?"
DOSSIER_OR_PROCEDURE = "anh/chị muốn tra cứu tình trạng một hồ sơ đã nộp, hay hỏi về một thủ tục"
DA_VANG = "dạ vâng"
HANDOFF_TEXTS = ("đã chuyển yêu cầu của anh/chị tới tổng đài viên",
                 "đã được chuyển đến cán bộ hỗ trợ", "cán bộ đã tiếp nhận yêu cầu",
                 "em đã ghi nhận yêu cầu; tổng đài viên sẽ liên hệ",
                 "đã được ghi nhận; cán bộ sẽ trả lời")
ABSTAIN_TEXTS = ("chưa có thông tin về nội dung này", "em chỉ hỗ trợ thông tin về thủ tục hành chính",
                 "em chưa hiểu ý", "em chưa hỗ trợ được")
UNAVAILABLE_TEXTS = ("tạm thời gián đoạn", "đang tạm gián đoạn", "đang gián đoạn")
SMALLTALK_TEXTS = ("xin chào anh/chị", "cảm ơn anh/chị đã liên hệ", "rất vui được hỗ trợ",
                   "em là trợ lý ảo", "cảm ơn anh/chị đã đánh giá",
                   "anh/chị cần hỏi thêm về thủ tục nào")
POLITE_KINDS = {"abstain", "smalltalk", "handoff", "dav_vang"}
CHOOSE = "/choose_procedure"
CODE_RE = re.compile(r"\(mã ([0-9A-Za-z.\-]+)\)")


def fold(text: str) -> str:
    """Lower case, NFC, one space: how bot texts and catalogue names are compared."""
    return " ".join(unicodedata.normalize("NFC", text).lower().split())


@dataclass(frozen=True)
class CatalogueIndex:
    """Procedure names/codes and FAQ answers, to turn a cited source back into ids."""

    by_name: dict[str, str]
    by_code: dict[str, str]
    faq_answers: dict[str, str] = field(default_factory=dict)

    @property
    def ids(self) -> set[str]:
        return set(self.by_name.values())


def load_catalogue(root: Path = KNOWLEDGE) -> CatalogueIndex:
    by_name: dict[str, str] = {}
    by_code: dict[str, str] = {}
    for path in sorted((root / "procedures").glob("*.yaml")):
        proc = yaml.safe_load(path.read_text(encoding="utf-8"))
        by_name[fold(proc["name"])] = proc["id"]
        if proc.get("code"):
            by_code[str(proc["code"])] = proc["id"]
    faqs = {}
    for path in sorted((root / "faq").glob("*.yaml")):
        entry = yaml.safe_load(path.read_text(encoding="utf-8"))
        faqs[entry["id"]] = fold(entry["answer"])
    return CatalogueIndex(by_name=by_name, by_code=by_code, faq_answers=faqs)


@functools.lru_cache(maxsize=1)
def default_catalogue() -> CatalogueIndex:
    return load_catalogue(KNOWLEDGE)


def load_labels(path: Path = LABELS) -> list[dict[str, Any]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


ASPECT_INTENT = {"documents": "ask_documents", "time": "ask_processing_time", "fee": "ask_fee",
                 "place": "ask_place", "steps": "ask_steps", "online": "ask_online",
                 "conditions": "ask_conditions", "overview": "ask_procedure"}


def labels_from_question_set(path: Path) -> list[dict[str, Any]]:
    """Labels for a retrieval question set (``{"q", "procedure", "aspect", "style"}`` lines,
    e.g. benchmarks/data/fresh_questions.jsonl): every question is about one catalogue
    procedure, named by its exact name; an unknown name is an error, not a silent skip."""
    names: dict[str, set[str]] = {}
    for yml in sorted((KNOWLEDGE / "procedures").glob("*.yaml")):
        proc = yaml.safe_load(yml.read_text(encoding="utf-8"))
        for name in [proc["name"], *(proc.get("aliases") or [])]:
            names.setdefault(fold(name), set()).add(proc["id"])
    labels = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if not row.get("procedure"):  # an out-of-scope question of the set
            labels.append({"line": i, "text": row["q"], "intent": "out_of_scope",
                           "procedures": [], "scope": "out_of_catalogue"})
            continue
        ids = names.get(fold(row["procedure"]))  # its name or an alias, as the set's rule
        if not ids:
            raise ValueError(f"{path}:{i}: unknown procedure {row['procedure']!r}")
        labels.append({"line": i, "text": row["q"], "procedures": sorted(ids),
                       "intent": ASPECT_INTENT.get(row.get("aspect") or "", "ask_procedure"),
                       "aspect": row.get("aspect"), "scope": "in_catalogue",
                       "style": row.get("style")})
    return labels


# -- Rasa NLU test file --------------------------------------------------------------------------
def to_rasa_nlu(labels: Iterable[Mapping[str, Any]], path: Path | str) -> Path:
    """Write a Rasa 3.x NLU test YAML: one block per intent; skip/null intents left out."""
    examples: dict[str, list[str]] = {}
    for label in labels:
        intent, text = label.get("intent"), " ".join(str(label.get("text", "")).split())
        if label.get("skip") or not intent or not text:
            continue
        seen = examples.setdefault(str(intent), [])
        if text not in seen:
            seen.append(text)
    order = sorted(examples, key=lambda i: (INTENTS.index(i) if i in INTENTS else len(INTENTS), i))
    out = ['version: "3.1"', "", "# Outside portal messages (benchmarks/data/portal_dev.jsonl):",
           "# evaluation only, never training data.", "nlu:"]
    for intent in order:
        out += [f"  - intent: {intent}", "    examples: |"]
        out += [f"      - {text}" for text in examples[intent]]
        out.append("")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(out), encoding="utf-8")
    return target


# -- judging one reply ---------------------------------------------------------------------------
def _cited_ids(line: str, catalogue: CatalogueIndex) -> tuple[list[str], bool]:
    """Procedure ids of a "Nguồn: <name> (mã <code>)..." line; the flag: a procedure is cited.

    The name is matched right after "Nguồn:" (an FAQ source is a law title that may contain a
    procedure name further on); codes anywhere on the line (two-procedure citations).
    """
    codes = CODE_RE.findall(line)
    ids = [catalogue.by_code[c] for c in codes if c in catalogue.by_code]
    rest = fold(line).removeprefix("nguồn:").strip()
    name = next((n for n in sorted(catalogue.by_name, key=len, reverse=True)
                 if rest.startswith(n)), None)
    if name is not None:
        ids.insert(0, catalogue.by_name[name])
    ids += [f"?{c}" for c in codes if c not in catalogue.by_code]
    return list(dict.fromkeys(ids)), bool(ids)


def _button_ids(buttons: Sequence[Mapping[str, Any]]) -> list[str]:
    ids = []
    for button in buttons:
        payload = str(button.get("payload") or "")
        if payload.startswith(CHOOSE):
            try:
                ids.append(str(json.loads(payload[len(CHOOSE):])["procedure_id"]))
            except (ValueError, KeyError, TypeError):
                continue
    return list(dict.fromkeys(ids))


def _has(text: str, needles: Iterable[str]) -> bool:
    return any(n in text for n in needles)


def judge(label: Mapping[str, Any], reply: Mapping[str, Any], *,
          catalogue: CatalogueIndex | None = None) -> dict[str, Any]:
    """Classify the reply to one message asked in a new conversation, and say if it harms."""
    cat = catalogue or default_catalogue()
    bot = [m for m in reply.get("messages") or [] if m.get("role") in ("bot", "agent")]
    texts = [fold(str(m.get("text") or "")) for m in bot]
    answer_ids: list[str] = []
    faq_ids: list[str] = []
    clarify_ids: list[str] = []
    sourced = False
    for msg, text in zip(bot, texts):
        lines = [ln for ln in str(msg.get("text") or "").splitlines()
                 if ln.strip().startswith("Nguồn:")]
        citation = msg.get("citation") or {}
        if citation.get("label"):
            lines.append(str(citation["label"]))
        cited: list[str] = []
        for line in lines:
            ids, is_procedure = _cited_ids(line, cat)
            sourced = True
            if is_procedure:
                cited += ids
        if lines and not cited:
            faq_ids += [f for f, ans in cat.faq_answers.items() if ans and ans in text]
        answer_ids += cited
        buttons = _button_ids(msg.get("buttons") or [])
        if text.startswith(CLARIFY_START) or (buttons and not lines):
            named = [cat.by_name[fold(n)] for n in re.findall(r"^\d+\. (.+)$", str(msg.get("text")),
                                                              flags=re.M) if fold(n) in cat.by_name]
            clarify_ids += buttons + named
    answer_ids = list(dict.fromkeys(answer_ids))
    clarify_ids = list(dict.fromkeys(clarify_ids))
    flags = {
        "complaint_ack": any(COMPLAINT_ACK in t for t in texts),
        "dossier_form": any(_has(t, DOSSIER_PROMPTS) for t in texts),
        "answer": sourced,
        "clarify": bool(clarify_ids) or any(t.startswith((CLARIFY_START, DOSSIER_OR_PROCEDURE))
                                            for t in texts),
        "handoff": any(_has(t, HANDOFF_TEXTS) for t in texts),
        "dav_vang": any(t.startswith(DA_VANG) for t in texts),
        "abstain": any(_has(t, ABSTAIN_TEXTS) for t in texts),
        "smalltalk": any(_has(t, SMALLTALK_TEXTS) for t in texts),
    }
    kind = next((k for k, on in flags.items() if on), "other")
    reasons: list[str] = []
    if kind == "other" and any(_has(t, UNAVAILABLE_TEXTS) for t in texts):
        reasons.append("service_unavailable")

    expected = list(label.get("procedures") or [])
    if flags["complaint_ack"] and not label.get("explicit_complaint"):
        reasons.append("harmful:complaint_ack_without_complaint")
    if flags["dossier_form"] and not label.get("dossier_code"):
        reasons.append("harmful:dossier_form_without_code")
    if flags["dav_vang"] and label.get("intent") not in ("affirm", "deny"):
        reasons.append("harmful:dav_vang_to_non_yes_no")
    wrong = [i for i in answer_ids if i not in expected]
    if expected and wrong:
        reasons.append("harmful:wrong_procedure:" + ",".join(wrong))
    elif not expected and answer_ids:
        reasons.append(f"harmful:procedure_answer_for_{label.get('scope') or 'unlabelled'}")
    harmful = any(r.startswith("harmful:") for r in reasons)

    usable = False
    if not harmful:
        if expected:
            usable = (kind == "answer" and any(i in expected for i in answer_ids)) or (
                kind == "clarify" and any(i in expected for i in clarify_ids))
        else:
            usable = kind in POLITE_KINDS or (
                kind == "answer" and any(f in (label.get("faqs") or []) for f in faq_ids))
    reasons.append("usable" if usable else "not_usable")
    return {"kind": kind, "procedure_ids": answer_ids if kind == "answer" else clarify_ids,
            "faq_ids": faq_ids, "harmful": harmful, "usable": usable, "reasons": reasons}


# -- live run -------------------------------------------------------------------------------------
def summarise(results: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Counts and rates over judged results (one per non-skip label)."""
    n = len(results)
    scopes = Counter(str(r.get("scope")) for r in results)
    in_cat = [r for r in results if r.get("scope") == "in_catalogue"]
    outside = [r for r in results if r.get("scope") != "in_catalogue"]
    harm = Counter(reason.split(":")[1] for r in results for reason in r.get("reasons", [])
                   if reason.startswith("harmful:"))

    def rate(part: Sequence[Mapping[str, Any]], key: str) -> float | None:
        return round(sum(bool(r.get(key)) for r in part) / len(part), 4) if part else None

    return {
        "questions": n, "by_scope": dict(scopes),
        "harmful": sum(bool(r.get("harmful")) for r in results), "harmful_rate": rate(results, "harmful"),
        "harmful_by_reason": dict(harm),
        "usable_rate_in_catalogue": rate(in_cat, "usable"),
        "usable_rate_outside_catalogue": rate(outside, "usable"),
        "errors": sum(1 for r in results if r.get("error")),
        "kinds": {k: v for k, v in Counter(str(r.get("kind")) for r in results).most_common()},
    }


async def run_live(api_url: str, labels: Sequence[Mapping[str, Any]], out_path: Path | str, *,
                   transport: httpx.AsyncBaseTransport | None = None) -> dict[str, Any]:
    """Ask every non-skip message in its own new conversation, judge it, write JSONL, summarise.

    Sequential, 30 s per request, no retry: a failed request is recorded as kind ``other``.
    """
    url = api_url.rstrip("/") + "/v1/chat/web"
    results: list[dict[str, Any]] = []
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    async with httpx.AsyncClient(timeout=30.0, transport=transport) as client:
        with out.open("w", encoding="utf-8") as fh:
            for label in labels:
                if label.get("skip") or not label.get("intent"):
                    continue
                session_id = uuid.uuid4().hex
                started = time.perf_counter()
                row: dict[str, Any] = {"line": label.get("line"), "text": label.get("text"),
                                       "intent": label.get("intent"), "scope": label.get("scope"),
                                       "expected": label.get("procedures") or []}
                try:
                    resp = await client.post(url, json={"session_id": session_id,
                                                        "text": label.get("text", "")})
                    row["status_code"] = resp.status_code
                    body = resp.json() if resp.headers.get("content-type", "").startswith(
                        "application/json") else {}
                    row.update(judge(label, body if isinstance(body, dict) else {}))
                    if resp.status_code >= 400:
                        row["error"] = f"http_{resp.status_code}"
                    row["bot_texts"] = [m.get("text") for m in body.get("messages", [])
                                        if isinstance(m, dict)] if isinstance(body, dict) else []
                except (httpx.HTTPError, ValueError) as exc:
                    row.update(kind="other", procedure_ids=[], faq_ids=[], harmful=False,
                               usable=False, reasons=["not_usable"], error=type(exc).__name__)
                row["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
                results.append(row)
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return summarise(results)


def markdown(summary: Mapping[str, Any]) -> str:
    rows = ["| metric | value |", "|---|---|"]
    for key, value in summary.items():
        shown = ", ".join(f"{k}: {v}" for k, v in value.items()) if isinstance(value, dict) else value
        rows.append(f"| {key} | {shown} |")
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Understanding evaluation on portal_dev.jsonl.")
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--question-set", type=Path,
                        help="use a retrieval question set (q/procedure/aspect) instead of labels")
    sub = parser.add_subparsers(dest="command", required=True)
    nlu = sub.add_parser("nlu-yaml", help="write a Rasa NLU test file")
    nlu.add_argument("out", type=Path)
    live = sub.add_parser("live", help="ask the running API, one new conversation per message")
    live.add_argument("--api", default="http://127.0.0.1:8000")
    live.add_argument("--out", type=Path, required=True)
    live.add_argument("--limit", type=int, default=None, help="first N labels only")
    args = parser.parse_args(argv)
    labels = (labels_from_question_set(args.question_set) if args.question_set
              else load_labels(args.labels))
    if args.command == "nlu-yaml":
        path = to_rasa_nlu(labels, args.out)
        print(f"wrote {path}")
        return 0
    summary = asyncio.run(run_live(args.api, labels[: args.limit] if args.limit else labels,
                                   args.out))
    print(markdown(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
