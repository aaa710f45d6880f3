"""Answer text for the detail aspects: the citizen's deadline, the result's validity, who may
apply, form templates and the result (with how it is received).

Sentences about deadlines, validity and representation are quoted from the record as written
(``record_quotes``). Where the record says nothing the answer says "Danh mục thủ tục chưa
ghi …" and offers the hotline; the composer appends the citation.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from api.services import record_quotes
from api.services.render import CHANNEL_LABEL, RENDERERS as BASE_RENDERERS, format_time, render_fee
from indexer.catalog.schema import ChannelKind, Procedure


def not_recorded(what: str, hotline: str) -> str:
    return (f"Danh mục thủ tục chưa ghi {what}. Anh/Chị vui lòng gọi tổng đài {hotline} để được "
            "hướng dẫn.")


def _bullets(lines: list[str]) -> str:
    return "\n".join(f"- {line}" for line in lines)


def office_time(proc: Procedure) -> str | None:
    """The office's processing time per channel, clearly labelled as such (or None)."""
    lines = [f"{CHANNEL_LABEL[ch.kind]}: {format_time(ch.time)}"
             for ch in proc.channels if ch.time is not None]
    if not lines:
        return None
    return "Thời hạn giải quyết của cơ quan (không phải hạn của Anh/Chị):\n" + _bullets(lines)


def render_deadline(proc: Procedure, hotline: str) -> str:
    quotes = record_quotes.deadlines(proc)
    if quotes:
        return (f"Thời hạn Anh/Chị cần lưu ý khi làm thủ tục {proc.name}, theo danh mục:\n"
                + _bullets([q.text for q in quotes]))
    text = (f"Danh mục thủ tục chưa ghi thời hạn mà người dân phải thực hiện thủ tục "
            f"{proc.name}.")
    office = office_time(proc)
    if office:
        text += "\n" + office
    return text + f"\nAnh/Chị vui lòng gọi tổng đài {hotline} để được hướng dẫn thêm."


def render_validity(proc: Procedure, hotline: str) -> str:
    quotes = record_quotes.validity(proc)
    if not quotes:
        return not_recorded(f"thời hạn sử dụng, giá trị kết quả của thủ tục {proc.name}", hotline)
    head = f"Về giá trị, thời hạn sử dụng của kết quả thủ tục {proc.name}, danh mục ghi:\n"
    return head + _bullets([q.text for q in quotes])


def render_who(proc: Procedure, hotline: str) -> str:
    quotes = record_quotes.representation(proc)
    if not proc.who and not quotes:
        return not_recorded(f"đối tượng thực hiện thủ tục {proc.name}", hotline)
    if proc.who:
        text = f"Đối tượng thực hiện thủ tục {proc.name}: {proc.who.rstrip('.')}."
    else:
        text = f"Danh mục thủ tục chưa ghi đối tượng thực hiện thủ tục {proc.name}."
    if quotes:
        text += "\nVề người đại diện, ủy quyền, danh mục ghi:\n" + _bullets(
            [q.text for q in quotes])
    else:
        text += "\nDanh mục thủ tục chưa ghi việc ủy quyền hoặc nộp thay cho thủ tục này."
    return text


def render_forms(proc: Procedure, hotline: str) -> str:
    forms = [d for d in proc.documents if d.form]
    if forms:
        return (f"Mẫu đơn, tờ khai của thủ tục {proc.name}:\n"
                + _bullets([f"{d.name}: {d.form}" for d in forms]))
    text = f"Danh mục thủ tục chưa ghi số hiệu mẫu đơn, tờ khai của thủ tục {proc.name}."
    named = [d.name for d in proc.documents if "mẫu" in d.name.lower()]
    if named:
        text += "\nTrong hồ sơ có giấy tờ theo mẫu:\n" + _bullets(named)
    return text + f"\nAnh/Chị vui lòng gọi tổng đài {hotline} để được hướng dẫn."


def render_result(proc: Procedure, hotline: str) -> str:
    receipt = record_quotes.receipt(proc)
    postal = next((ch for ch in proc.channels if ch.kind is ChannelKind.postal), None)
    if proc.result:
        lines = [f"Kết quả thực hiện thủ tục {proc.name}: {proc.result.rstrip('.')}."]
    else:
        lines = [f"Danh mục thủ tục chưa ghi kết quả của thủ tục {proc.name}."]
    if receipt:
        lines.append("Về việc nhận kết quả, danh mục ghi:\n" + _bullets([q.text for q in receipt]))
    if postal is not None and not any("bưu" in q.text.lower() for q in receipt):
        note = f" ({postal.note.rstrip('.')})" if postal.note else ""
        lines.append(f"Danh mục có ghi hình thức qua dịch vụ bưu chính cho thủ tục này{note}.")
    if not proc.result or not receipt:
        lines.append(f"Anh/Chị có thể gọi tổng đài {hotline} để được hướng dẫn thêm về việc "
                     "nhận kết quả.")
    return "\n".join(lines)


Renderer = Callable[[Procedure, str], str]

RENDERERS: dict[str, Renderer] = {
    **BASE_RENDERERS,
    "result": render_result,
    "deadline": render_deadline,
    "validity": render_validity,
    "who": render_who,
    "forms": render_forms,
}


def render(aspect: str, proc: Procedure, hotline: str, *, today: date | None = None) -> str:
    """The text for ``aspect`` (unknown aspects: the overview) as of ``today`` (default: the
    real date), which only the fee depends on."""
    if aspect == "fee":
        return render_fee(proc, hotline, today=today)
    return RENDERERS.get(aspect, RENDERERS["overview"])(proc, hotline)
