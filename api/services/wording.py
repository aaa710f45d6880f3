"""What the assistant says to citizens about the conversation itself (not about procedures):
prompts, limits, attachments, the handoff queue. One place, so the texts stay consistent
(“Anh/Chị”, full diacritics) and the agent console can reuse them."""

from __future__ import annotations

ATTACHMENT_LABEL = {
    "image": "hình ảnh", "sticker": "nhãn dán", "audio": "tin nhắn thoại", "video": "video",
    "file": "tệp", "location": "vị trí", "link": "đường dẫn", "business_card": "danh thiếp",
}

EMPTY_PROMPT = ("Anh/Chị vui lòng nhập câu hỏi về thủ tục hành chính, ví dụ: "
                "“Làm giấy khai sinh cần giấy tờ gì?”")
RATE_LIMITED = ("Anh/Chị đã gửi nhiều tin nhắn trong thời gian ngắn. Vui lòng đợi "
                "khoảng một phút rồi gửi tiếp. Xin cảm ơn!")


def message_cut(max_chars: int) -> str:
    limit = f"{max_chars:,}".replace(",", ".")
    return f"Tin nhắn của Anh/Chị dài hơn {limit} ký tự nên chỉ phần đầu được xử lý."


def attachment_label(attachment: str | None) -> str:
    """How a stored placeholder names the attachment ("[hình ảnh]")."""
    return ATTACHMENT_LABEL.get(attachment or "", attachment or "tệp đính kèm")


def unsupported_attachment(attachment: str | None) -> str:
    what = ATTACHMENT_LABEL.get(attachment or "", "nội dung này")
    return (f"Cảm ơn Anh/Chị. Trợ lý ảo hiện chưa đọc được {what}. Anh/Chị vui lòng gõ câu hỏi "
            "bằng chữ, ví dụ: “Làm giấy khai sinh cần giấy tờ gì?”")


def degraded_note(hotline: str) -> str:
    return (f"(Trợ lý ảo đang hoạt động ở chế độ hạn chế. Nếu cần hỗ trợ thêm, "
            f"Anh/Chị vui lòng gọi tổng đài {hotline}.)")


def call_hotline(hotline: str) -> str:
    return f"Gọi tổng đài {hotline}"


ASK_FOR_AGENT = "Gặp cán bộ"


# -- the handoff queue -------------------------------------------------------------------------
def handoff_waiting(position: int, wait_minutes: int) -> str:
    return (f"Anh/Chị đã được chuyển đến cán bộ hỗ trợ. Vị trí trong hàng chờ: {position}, "
            f"thời gian chờ dự kiến khoảng {wait_minutes} phút. Anh/Chị vui lòng giữ cửa sổ "
            "trò chuyện này.")


def handoff_after_hours(office_hours: str, hotline: str) -> str:
    return (f"Hiện đã ngoài giờ làm việc ({office_hours}). Yêu cầu của Anh/Chị đã được ghi "
            "nhận; cán bộ sẽ trả lời tại đây trong giờ làm việc tiếp theo. Nếu cần gấp, "
            f"Anh/Chị vui lòng gọi tổng đài {hotline}.")


HANDOFF_ALREADY_CLAIMED = "Cán bộ đã tiếp nhận yêu cầu của Anh/Chị và sẽ trả lời ngay tại đây."
TICKET_CLAIMED = "Cán bộ hỗ trợ đã tiếp nhận cuộc trò chuyện. Anh/Chị vui lòng trao đổi tại đây."
TICKET_TRANSFERRED = ("Cuộc trò chuyện đã được chuyển cho một cán bộ khác. Anh/Chị vui lòng "
                      "chờ trong giây lát và tiếp tục trao đổi tại đây.")
TICKET_CLOSED = ("Cán bộ đã kết thúc hỗ trợ. Trợ lý ảo tiếp tục sẵn sàng trả lời Anh/Chị. "
                 "Xin cảm ơn!")


# -- the agent console (Vietnamese UI for hotline staff) ---------------------------------------
CONSOLE_BAD_LOGIN = "Tên đăng nhập hoặc mật khẩu không đúng."
CONSOLE_LOCKED = ("Tài khoản hoặc máy này đã đăng nhập sai quá nhiều lần. Vui lòng thử lại sau "
                  "ít phút hoặc liên hệ cán bộ quản lý.")
CONSOLE_FORM_EXPIRED = "Phiên đăng nhập đã hết hạn. Vui lòng tải lại trang và đăng nhập lại."


def agent_templates(hotline: str) -> list[tuple[str, str]]:
    """Quick replies of the agent console's composer: (title, text)."""
    return [
        ("Chào hỏi", "Chào Anh/Chị, tôi là cán bộ tổng đài hỗ trợ thủ tục hành chính. "
                     "Tôi có thể giúp gì cho Anh/Chị?"),
        ("Xin chờ", "Anh/Chị vui lòng chờ trong giây lát, tôi đang kiểm tra thông tin."),
        ("Hỏi thêm", "Anh/Chị vui lòng cho biết thêm chi tiết (thủ tục nào, ở xã/phường nào) "
                     "để tôi hướng dẫn chính xác hơn."),
        ("Mã hồ sơ", "Anh/Chị vui lòng cung cấp mã hồ sơ (in trên giấy tiếp nhận) để tôi tra "
                     "cứu tình trạng hồ sơ."),
        ("Gọi tổng đài", f"Nếu cần trao đổi trực tiếp, Anh/Chị vui lòng gọi tổng đài {hotline} "
                         "trong giờ làm việc."),
        ("Kết thúc", "Cảm ơn Anh/Chị đã liên hệ. Nếu còn câu hỏi, Anh/Chị cứ nhắn tại đây, "
                     "trợ lý ảo sẽ tiếp tục hỗ trợ."),
    ]


# -- call-back requests outside office hours -------------------------------------------------
CALLBACK_OFFER = ("Ngoài giờ làm việc, Anh/Chị có thể để lại số điện thoại để cán bộ gọi lại "
                  "trong giờ làm việc tiếp theo.")
CALLBACK_BAD_PHONE = ("Số điện thoại chưa đúng. Anh/Chị vui lòng nhập số di động 10 chữ số "
                      "(ví dụ 0912 345 678) hoặc số cố định có mã vùng.")
CALLBACK_NO_TICKET = ("Anh/Chị chưa có yêu cầu gặp cán bộ đang chờ. Anh/Chị vui lòng bấm "
                      "“Gặp cán bộ” trước.")


def callback_saved(masked: str) -> str:
    return (f"Cảm ơn Anh/Chị. Cán bộ sẽ gọi lại số {masked} trong giờ làm việc tiếp theo. "
            "Số điện thoại chỉ dùng để gọi lại cho Anh/Chị.")
