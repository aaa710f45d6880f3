"""Guess which aspect of a procedure a question asks about, from cue words (folded text)."""

from __future__ import annotations

import re

from indexer.text import expand_chat, fold, normalize

ASPECTS = ("overview", "documents", "time", "fee", "place", "steps", "online", "conditions",
           "legal_basis", "result", "deadline", "validity", "who", "forms")

# Checked in order; the first aspect whose cue appears wins. Cues are folded (no diacritics).
# "deadline" (the citizen's own time limit) and "validity" come before "time", whose generic
# "thoi han" / "bao lau" would otherwise take "bao lau phai dang ky" or "thoi han su dung".
# The specific "result" cues ("nhan ket qua o dau") come before "place"; "who" comes before
# "conditions" ("nhờ người nộp thay được không"); the generic "ket qua" stays last, as before.
_CUES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("fee", ("le phi", "phi", "bao nhieu tien", "het bao nhieu", "mat bao nhieu tien", "tien",
             "mien phi", "chi phi", "ton bao nhieu")),
    ("deadline", ("phai dang ky trong", "trong thoi han bao nhieu ngay phai", "han chot",
                  "cham nhat", "qua han", "tre han", "bao lau phai", "han cuoi",
                  "trong bao nhieu ngay phai", "bao nhieu ngay phai", "may ngay phai",
                  "thoi han phai", "phai lam trong", "phai nop trong", "phai bao trong",
                  "truoc bao lau", "tre bao lau")),
    ("validity", ("gia tri bao lau", "co gia tri", "thoi han su dung", "hieu luc",
                  "bao lau phai doi", "dung duoc bao lau", "dung duoc may",
                  "su dung duoc bao lau", "su dung duoc may", "may nam phai doi",
                  "bao nhieu nam phai doi", "may nam thi phai doi", "con gia tri")),
    ("time", ("bao lau", "may ngay", "bao nhieu ngay", "mat bao lau", "thoi han", "thoi gian",
              "khi nao co", "bao gio co", "bao gio lay", "khi nao lay", "may hom", "lau khong")),
    ("result", ("nhan ket qua", "tra ket qua", "ket qua gui", "gui ket qua", "nhan duoc gi",
                "duoc cap gi", "cap giay gi", "cap giay nao")),
    ("forms", ("mau to khai", "mau don", "to khai mau", "mau so", "tai mau", "bieu mau",
               "mau nao", "to khai theo mau")),
    ("online", ("truc tuyen", "online", "qua mang", "tren mang", "dich vu cong", "qua app",
                "vneid", "internet")),
    ("documents", ("giay to", "ho so gom", "ho so can", "can gi", "can nhung gi", "chuan bi gi",
                   "mang theo", "mang gi", "thanh phan ho so", "can mang", "can giay")),
    ("place", ("o dau", "cho nao", "noi nao", "co quan nao", "nop o", "den dau", "lam o",
               "di dau", "dia chi")),
    ("who", ("ai duoc", "ai co the", "ai phai", "nguoi nao", "lam thay", "nop thay", "nho nguoi",
             "ai lam", "ai nop", "ai di", "tu lam duoc", "doi tuong nao", "xin thay")),
    ("steps", ("cac buoc", "quy trinh", "trinh tu", "lam the nao", "lam sao", "the nao",
               "nhu the nao", "cach lam", "huong dan", "thu tuc ra sao")),
    ("conditions", ("dieu kien", "co duoc", "duoc khong", "yeu cau")),
    ("legal_basis", ("can cu", "luat nao", "nghi dinh", "thong tu", "van ban phap", "quy dinh")),
    # Weak cues, used only when nothing above matched: "ủy quyền" is often a document's name
    # ("chứng thực giấy ủy quyền ở đâu"), "hết hạn" often the reason for a renewal ("hộ chiếu
    # hết hạn thì làm lại thế nào").
    ("who", ("uy quyen", "nguoi dai dien")),
    ("validity", ("het han",)),
    ("result", ("ket qua",)),
)
_PATTERNS = tuple(
    (aspect, re.compile(r"(?<!\w)(" + "|".join(re.escape(c) for c in cues) + r")(?!\w)"))
    for aspect, cues in _CUES
)


def guess_aspect(query: str) -> str | None:
    text = fold(expand_chat(normalize(query)))
    for aspect, pattern in _PATTERNS:
        if pattern.search(text):
            return aspect
    return None
