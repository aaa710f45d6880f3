"""``guess_aspect``: the cue words of every aspect, their order, and the old cues unchanged."""

from __future__ import annotations

import pytest

from indexer.aspects import ASPECTS, guess_aspect


@pytest.mark.parametrize(("text", "aspect"), [
    # the citizen's own deadline, before the generic "thời hạn" / "bao lâu" of "time"
    ("Trong bao nhiêu ngày phải đăng ký khai sinh?", "deadline"),
    ("trong thoi han bao nhieu ngay phai dang ky tam tru", "deadline"),
    ("Hạn chót làm lại căn cước là khi nào?", "deadline"),
    ("Sau khi mua xe bao lâu phải đăng ký?", "deadline"),
    ("Quá hạn đăng ký tạm trú có bị phạt không?", "deadline"),
    ("đăng ký khai tử trễ hạn thì sao", "deadline"),
    ("Chậm nhất mấy ngày phải báo mất hộ chiếu", "deadline"),
    ("Phải đăng ký trong bao lâu kể từ ngày sinh", "deadline"),
    # validity of the result
    ("Hộ chiếu có giá trị bao lâu?", "validity"),
    ("giấy xác nhận độc thân dùng được mấy tháng", "validity"),
    ("Thẻ căn cước mấy năm phải đổi?", "validity"),
    ("thời hạn sử dụng của giấy phép lái xe", "validity"),
    ("giấy xác nhận còn hiệu lực không", "validity"),
    ("căn cước hết hạn thì sao", "validity"),  # weak cue, nothing else matched
    # who may or must apply
    ("Ai được làm thủ tục này?", "who"),
    ("Nhờ người khác nộp thay được không?", "who"),
    ("con chưa đủ 14 tuổi có tự làm được không", "who"),
    ("Có cần ủy quyền không?", "who"),
    ("người nào phải đi đăng ký khai tử", "who"),
    # form templates
    ("Mẫu tờ khai đăng ký khai sinh", "forms"),
    ("Mẫu đơn tải ở đâu?", "forms"),
    ("Tờ khai theo mẫu nào?", "forms"),
    ("tai mau to khai o dau", "forms"),
    ("biểu mẫu cấp lại căn cước", "forms"),
    # the result and how it is received
    ("Nhận kết quả ở đâu?", "result"),
    ("Có gửi kết quả qua bưu điện không?", "result"),
    ("làm xong thì nhận được gì", "result"),
    ("được cấp giấy gì", "result"),
])
def test_new_aspect_cues(text: str, aspect: str) -> None:
    assert guess_aspect(text) == aspect


@pytest.mark.parametrize(("text", "aspect"), [
    ("làm giấy khai sinh cần giấy tờ gì", "documents"),
    ("Làm căn cước mất bao lâu?", "time"),
    ("thời hạn giải quyết đăng ký kết hôn", "time"),
    ("khai sinh mất mấy ngày", "time"),
    ("Lệ phí cấp hộ chiếu bao nhiêu tiền?", "fee"),
    ("Đăng ký tạm trú nộp ở đâu?", "place"),
    ("Có làm trực tuyến được không?", "online"),
    ("Các bước đăng ký kết hôn", "steps"),
    ("Điều kiện cấp giấy phép lái xe", "conditions"),
    ("Căn cứ pháp lý của thủ tục", "legal_basis"),
    ("kết quả của thủ tục là gì", "result"),
    ("Chứng thực chữ ký trên giấy ủy quyền ở đâu?", "place"),  # "ủy quyền" names a paper here
    ("Hộ chiếu hết hạn thì làm lại thế nào?", "steps"),  # "hết hạn" is the reason here
    ("Bằng lái sắp hết hạn thì đổi ở đâu?", "place"),
    ("xin chào", None),
])
def test_old_cues_keep_their_aspect(text: str, aspect: str | None) -> None:
    assert guess_aspect(text) == aspect


def test_every_guessed_aspect_is_listed() -> None:
    assert {"deadline", "validity", "who", "forms", "result"} <= set(ASPECTS)
    assert len(ASPECTS) == len(set(ASPECTS)) == 14
