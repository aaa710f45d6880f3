"""Citizen-facing Vietnamese for dossier lookups: status labels, the ready-to-show answer and
the error messages. Polite ("Anh/Chị"), short, full diacritics."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from api.dossiers.privacy import FactorKind
from api.dossiers.record import Delivery, DossierRecord, DossierStatus

STATUS_LABELS = {
    DossierStatus.received: "Đã tiếp nhận",
    DossierStatus.processing: "Đang xử lý",
    DossierStatus.waiting_additional: "Chờ bổ sung hồ sơ",
    DossierStatus.resolved_on_time: "Đã giải quyết đúng hạn",
    DossierStatus.resolved_late: "Đã giải quyết, trễ hạn",
    DossierStatus.returned: "Đã trả lại hồ sơ",
    DossierStatus.refused: "Từ chối giải quyết",
    DossierStatus.withdrawn: "Đã rút hồ sơ",
}
DELIVERY_LABELS = {
    Delivery.counter: "Nhận trực tiếp tại Bộ phận Một cửa",
    Delivery.post: "Nhận qua dịch vụ bưu chính công ích (BCCI)",
}
FACTOR_LABELS = {FactorKind.phone: "số điện thoại", FactorKind.id: "số căn cước/CCCD"}
CODE_EXAMPLE = "000.00.19.H12-250101-0001"


def local_day(value: datetime | date | None, offset_hours: int) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(timezone(timedelta(hours=offset_hours))).date()
    return value.strftime("%d/%m/%Y")


def _where(record: DossierRecord) -> str:
    return f" tại {record.agency}" if record.agency else ""


def _collect(record: DossierRecord) -> str:
    if record.delivery is Delivery.post:
        return ("Kết quả được gửi qua dịch vụ bưu chính công ích (BCCI) đến địa chỉ "
                "Anh/Chị đã đăng ký.")
    return ("Anh/Chị vui lòng đến Bộ phận Một cửa nơi đã nộp hồ sơ để nhận kết quả, mang theo "
            "giấy tiếp nhận hồ sơ và hẹn trả kết quả cùng giấy tờ tùy thân.")


def _apology(record: DossierRecord, offset: int) -> str:
    if not record.apology_issued:
        return ""
    text = " Cơ quan giải quyết đã gửi thư xin lỗi Anh/Chị"
    if record.new_appointment is not None:
        text += f" và hẹn trả kết quả mới vào ngày {local_day(record.new_appointment, offset)}"
    return text + "."


def answer_text(record: DossierRecord, *, now: datetime, hotline: str, offset: int) -> str:
    """The ready-to-show answer for a verified lookup."""
    head = f"Hồ sơ {record.code} ({record.procedure_name})"
    due = local_day(record.due_at, offset)
    status = record.status
    hotline_offer = f" Nếu cần hỗ trợ thêm, Anh/Chị vui lòng gọi tổng đài {hotline}."
    if status in (DossierStatus.received, DossierStatus.processing):
        if record.overdue(now):
            return (f"{head} đang được xử lý{_where(record)}, hẹn trả ngày {due} nhưng đã quá "
                    f"hạn. Chúng tôi thành thật xin lỗi Anh/Chị vì sự chậm trễ."
                    f"{_apology(record, offset)}{hotline_offer}")
        when = f", hẹn trả ngày {due}" if due else ""
        return f"{head} đang được xử lý{_where(record)}{when}."
    if status is DossierStatus.waiting_additional:
        why = f" Nội dung cần bổ sung: {record.reason}." if record.reason else ""
        return (f"{head} đang tạm dừng{_where(record)} để chờ Anh/Chị bổ sung giấy tờ.{why} "
                f"Anh/Chị vui lòng bổ sung theo hướng dẫn để hồ sơ được tiếp tục xử lý."
                f"{hotline_offer}")
    resolved = local_day(record.resolved_at, offset)
    if status is DossierStatus.resolved_on_time:
        return f"{head} đã có kết quả ngày {resolved}, đúng hẹn. {_collect(record)}"
    if status is DossierStatus.resolved_late:
        return (f"{head} đã có kết quả ngày {resolved}, trễ so với ngày hẹn {due}. Chúng tôi "
                f"thành thật xin lỗi Anh/Chị.{_apology(record, offset)} {_collect(record)}"
                f"{hotline_offer}")
    if status in (DossierStatus.returned, DossierStatus.refused):
        verb = "đã được trả lại" if status is DossierStatus.returned else "bị từ chối giải quyết"
        why = f" Lý do: {record.reason}." if record.reason else ""
        return (f"{head} {verb}{_where(record)}.{why} Anh/Chị có thể gọi tổng đài {hotline} "
                f"để được hướng dẫn.")
    return f"{head} đã được rút theo đề nghị của người nộp."


def invalid_code_text() -> str:
    return (f"Mã hồ sơ chưa đúng định dạng. Mã hồ sơ in trên giấy tiếp nhận hồ sơ và hẹn trả "
            f"kết quả, có dạng {CODE_EXAMPLE}. Anh/Chị vui lòng kiểm tra và nhập lại.")


def unknown_code_text(code: str, hotline: str) -> str:
    """For agents only: a citizen is never told whether a code exists."""
    return (f"Không tìm thấy hồ sơ có mã {code}. Anh/Chị vui lòng kiểm tra lại mã trên giấy "
            f"tiếp nhận hồ sơ và hẹn trả kết quả, hoặc gọi tổng đài {hotline} để được hỗ trợ.")


def factor_needed_text(kind: FactorKind) -> str:
    return (f"Để bảo vệ thông tin, Anh/Chị vui lòng nhập 4 số cuối {FACTOR_LABELS[kind]} "
            f"đã khai khi nộp hồ sơ.")


def not_verified_text(kind: FactorKind, remaining: int, hotline: str) -> str:
    """One answer for an unknown code and a wrong factor: neither says which was wrong."""
    return (f"Mã hồ sơ hoặc 4 số cuối {FACTOR_LABELS[kind]} chưa khớp với hồ sơ nào. Anh/Chị "
            f"vui lòng kiểm tra lại mã trên giấy tiếp nhận hồ sơ và hẹn trả kết quả, và 4 số cuối "
            f"đã khai khi nộp hồ sơ (còn {remaining} lần thử). Nếu cần hỗ trợ, Anh/Chị vui lòng "
            f"gọi tổng đài {hotline}.")


def locked_out_text(hotline: str, minutes: int) -> str:
    return (f"Anh/Chị đã nhập sai thông tin xác minh quá số lần cho phép nên tạm thời chưa tra "
            f"cứu được. Anh/Chị vui lòng gọi tổng đài {hotline} để được hỗ trợ, hoặc thử lại "
            f"sau {minutes} phút.")


def upstream_unavailable_text(hotline: str) -> str:
    return (f"Xin lỗi Anh/Chị, hệ thống tra cứu đang gián đoạn. Anh/Chị vui lòng thử lại sau "
            f"ít phút hoặc gọi tổng đài {hotline} để được hỗ trợ.")
