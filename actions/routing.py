"""The routing policy: which flow a message starts, decided on evidence, not on the intent alone.

A false route costs more than a clarification. Outside testers saw the complaint
acknowledgement sent to "thông tin trên CCCD bị sai thì làm sao?" and the dossier form started
by "kiểm tra hồ sơ làm hộ chiếu cần gì?". So, for the intents whose flows are not procedure
answers (the complaint acknowledgement, the dossier form, small talk, yes/no replies):

- the dossier form starts only on a dossier code, explicit tracking wording ("tra cứu hồ sơ",
  "hồ sơ của tôi đến đâu rồi") or the citizen's click on the tracking button;
- the complaint acknowledgement is sent only for explicit complaint wording ("phản ánh",
  "thái độ", "trễ hẹn", …) in a message that does not ask a procedure question;
- any other message that the search engine confidently ties to a procedure is answered as a
  procedure question, whatever the classifier said;
- otherwise the intent's own reply (small talk), a clarification, or a rephrase request.

:func:`decide` is pure: the intent, the words and the API's answer to the words go in, a
:class:`Route` comes out. ``actions.route.ActionRoute`` carries it out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Optional

from vntext import fold_lower

from actions.api_client import Answer

# What the action does with the message.
ANSWER = "answer"  # show the API's procedure answer (or clarification)
DOSSIER = "dossier"  # start the dossier-status form
FEEDBACK = "feedback"  # acknowledge a complaint / feedback about the service
ASK_DOSSIER_OR_PROCEDURE = "ask_dossier_or_procedure"  # tracking intent without evidence
SMALL_TALK = "small_talk"  # the intent's own reply (greeting, thanks, …)
NOT_UNDERSTOOD = "not_understood"  # nothing to go on: rephrase, then the hotline

# Intents routed through the policy (rules.yml sends them to action_route).
DOSSIER_INTENT = "check_dossier_status"
FEEDBACK_INTENT = "give_feedback"
ROUTED_INTENTS = (DOSSIER_INTENT, FEEDBACK_INTENT, "greet", "thank", "affirm", "deny",
                  "out_of_scope", "rate_service")

# Folded, lowercase patterns. Explicit tracking of an already submitted dossier.
_TRACKING = re.compile(
    r"(tra cuu|kiem tra|xem|theo doi|check)\s+(lai\s+)?(tinh trang|tien do|trang thai|ket qua)?"
    r"\s*(xu ly |giai quyet )?(cua )?(bo )?ho so\s*(cua\s+)?(toi|minh|em|anh|chi|tui|nha)?\s*$"
    r"|(tra cuu|kiem tra|xem|theo doi)\s+(tinh trang|tien do|trang thai)"
    r"|(tinh trang|tien do|trang thai)\s+(xu ly |giai quyet )?(cua )?(bo )?ho so"
    r"|ma ho so"
    r"|ho so\s+(cua\s+)?(toi|minh|em|tui|nha|con|bo|me|vo|chong)\b.*"
    r"(den dau|toi dau|sao roi|the nao roi|xong chua|co ket qua chua|duoc duyet chua"
    r"|giai quyet chua|xu ly chua|dang o dau|o buoc nao|bao gio xong|khi nao xong|co chua)"
    r"|(da nop|nop roi|nop tu|nop hom|nop tuan|nop thang|nop ngay)\b.*"
    r"(den dau|toi dau|sao roi|the nao roi|xong chua|co ket qua chua|chua thay|chua co|chua nhan)"
)
_DOSSIER_CODE = re.compile(
    r"\b\d{3}\s*\.\s*\d{2}\s*\.\s*\d{2}\s*\.\s*[a-z]\d{2}\s*[-–—]\s*\d{6}\s*[-–—]\s*\d{4,6}\b",
    re.IGNORECASE,
)
# Explicit complaint or feedback about the service (not about a citizen's own problem).
_COMPLAINT = re.compile(
    r"\b(phan anh|khieu nai|to cao|kien nghi|buc xuc|thai do|nhung nhieu|gay kho de|hach dich"
    r"|hach sach|vo trach nhiem|tre hen|cham tre|cham tra|lam cham|qua lau ma chua|khong ai tra loi"
    r"|khong ai nghe|khong hai long|rat te|qua te|te qua|that vong|lam an kieu gi|doi tien"
    r"|tien boi duong|hoi lo|boi duong|thu them tien|chua tra ket qua|gop y)\b"
)
# A question about a procedure must not be answered as small talk even when it is short.
_MIN_WORDS_FOR_STATEMENT = 5


@dataclass(frozen=True)
class Route:
    kind: str
    reason: str


def has_dossier_code(text: str, entities: Iterable[str] = ()) -> bool:
    return "dossier_code" in set(entities) or bool(_DOSSIER_CODE.search(text))


def explicit_tracking(text: str) -> bool:
    return bool(_TRACKING.search(fold_lower(text)))


def explicit_complaint(text: str) -> bool:
    return bool(_COMPLAINT.search(fold_lower(text)))


def names_a_procedure(answer: Optional[Answer]) -> bool:
    """The API tied the words to a procedure (an answer, a clarification or an abolished one)
    or to an FAQ entry, i.e. it did not abstain."""
    if answer is None:
        return False
    if answer.status in ("answer", "abolished"):
        return True
    return answer.status == "clarify" and bool(answer.candidates)


def asks_something(text: str, answer: Optional[Answer]) -> bool:
    """A question, or a statement long enough to be a story about a problem."""
    form = answer.question_form if answer is not None else None
    if form in ("question", "yes_no"):
        return True
    return len(fold_lower(text).split()) >= _MIN_WORDS_FOR_STATEMENT


def decide(
    intent: Optional[str],
    text: str,
    *,
    entities: Iterable[str] = (),
    clicked: bool = False,
    answer: Optional[Answer] = None,
) -> Route:
    """The route for one message.

    ``text`` is what the citizen typed ("" for a button payload, then ``clicked`` is True);
    ``answer`` is the API's answer to ``text`` alone (no carried procedure), or None when the
    API was not asked or failed.
    """
    entities = list(entities)
    procedure = names_a_procedure(answer) and asks_something(text, answer)
    if intent == DOSSIER_INTENT:
        if clicked or has_dossier_code(text, entities):
            return Route(DOSSIER, "dossier code or tracking button")
        if explicit_tracking(text):
            return Route(DOSSIER, "explicit tracking wording")
        if procedure:
            return Route(ANSWER, "procedure question without dossier evidence")
        return Route(ASK_DOSSIER_OR_PROCEDURE, "tracking intent without evidence")
    if has_dossier_code(text, entities):
        return Route(DOSSIER, "dossier code")
    if intent == FEEDBACK_INTENT:
        complaint = clicked or explicit_complaint(text)
        if complaint and not (procedure and answer is not None
                              and answer.question_form in ("question", "yes_no")):
            return Route(FEEDBACK, "explicit complaint wording")
        if procedure:
            return Route(ANSWER, "procedure question in a feedback-like message")
        if complaint:
            return Route(FEEDBACK, "explicit complaint wording")
        return Route(NOT_UNDERSTOOD, "problem words without a procedure or a complaint")
    if procedure and not clicked:
        return Route(ANSWER, f"procedure question classified as {intent}")
    return Route(SMALL_TALK, f"{intent} without a procedure question")
