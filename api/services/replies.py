"""Small pieces of an answer shared by the composer and degraded mode: quick replies, the
intent <-> aspect map, the choice payload and the bare follow-up test."""

from __future__ import annotations

import json

from vntext import words

from api.schemas.answer import QuickReply

QUICK_REPLIES = [
    ("documents", "Giấy tờ", "/ask_documents"),
    ("time", "Thời hạn", "/ask_processing_time"),
    ("fee", "Lệ phí", "/ask_fee"),
    ("place", "Nộp ở đâu", "/ask_place"),
    ("online", "Nộp trực tuyến", "/ask_online"),
]
INTENT_ASPECT = {
    "ask_documents": "documents", "ask_processing_time": "time", "ask_fee": "fee",
    "ask_place": "place", "ask_steps": "steps", "ask_online": "online",
    "ask_conditions": "conditions", "ask_procedure": "overview",
    "ask_deadline": "deadline", "ask_validity": "validity", "ask_result": "result",
    "ask_who": "who", "ask_form": "forms",
}
ASPECT_INTENT = {v: k for k, v in INTENT_ASPECT.items()}


# Words of a bare follow-up ("thế còn lệ phí bao nhiêu?"), accents removed. A text made only of
# these does not name a procedure, whatever the search engine's confidence.
_FOLLOW_UP_WORDS = set("""
le phi bao nhieu tien thoi han mat may ngay lau gio giay to ho so can gi nhung nop o dau noi
truc tuyen online qua mang buu chinh the con thi sao vay a ah nhe khong co duoc la lam nao
cho toi hoi xin minh em anh chi ban oi va nua tiep the nao phai mien khi nhan ket qua o
han chot cham nhat qua tre trong hieu luc gia tri su dung het ai nguoi uy quyen thay nho
mau don to khai bieu tai gui cap dai dien dang ky
""".split())


def bare_follow_up(text: str) -> bool:
    return all(w in _FOLLOW_UP_WORDS for w in words(text))


def choose_payload(procedure_id: str) -> str:
    return "/choose_procedure" + json.dumps({"procedure_id": procedure_id},
                                            separators=(",", ":"))


def quick_replies(aspect: str | None) -> list[QuickReply]:
    return [QuickReply(title=t, payload=p) for a, t, p in QUICK_REPLIES if a != aspect]
