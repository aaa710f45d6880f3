"""Guess which aspect of a procedure a question asks about, from cue words (folded text)."""

from __future__ import annotations

import re

from indexer.text import expand_chat, fold, normalize

ASPECTS = ("overview", "documents", "time", "fee", "place", "steps", "online", "conditions",
           "legal_basis", "result")

# Checked in order; the first aspect whose cue appears wins. Cues are folded (no diacritics).
_CUES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("fee", ("le phi", "phi", "bao nhieu tien", "het bao nhieu", "mat bao nhieu tien", "tien",
             "mien phi", "chi phi", "ton bao nhieu")),
    ("time", ("bao lau", "may ngay", "bao nhieu ngay", "mat bao lau", "thoi han", "thoi gian",
              "khi nao co", "bao gio co", "bao gio lay", "khi nao lay", "may hom", "lau khong")),
    ("online", ("truc tuyen", "online", "qua mang", "tren mang", "dich vu cong", "qua app",
                "vneid", "internet")),
    ("documents", ("giay to", "ho so gom", "ho so can", "can gi", "can nhung gi", "chuan bi gi",
                   "mang theo", "mang gi", "thanh phan ho so", "can mang", "can giay")),
    ("place", ("o dau", "cho nao", "noi nao", "co quan nao", "nop o", "den dau", "lam o",
               "di dau", "dia chi")),
    ("steps", ("cac buoc", "quy trinh", "trinh tu", "lam the nao", "lam sao", "the nao",
               "nhu the nao", "cach lam", "huong dan", "thu tuc ra sao")),
    ("conditions", ("dieu kien", "co duoc", "duoc khong", "ai duoc", "yeu cau")),
    ("legal_basis", ("can cu", "luat nao", "nghi dinh", "thong tu", "van ban phap", "quy dinh")),
    ("result", ("nhan duoc gi", "ket qua", "duoc cap gi")),
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
