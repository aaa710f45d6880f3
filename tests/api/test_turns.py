"""One turn service for every channel: the web widget and the platforms share its rules."""

from __future__ import annotations

import asyncio

from fastapi.testclient import TestClient

from api.channels.inbound import Inbound, InboundKind
from api.deps import get_turns
from api_fakes import FakeRasa

SID = "session-citizen-turns-00000001"


def test_a_typed_number_picks_an_option_on_the_web_as_on_zalo(client: TestClient,
                                                              fake_rasa: FakeRasa) -> None:
    client.post("/v1/chat/web", json={"session_id": SID, "text": "khai sinh"})
    client.post("/v1/chat/web", json={"session_id": SID, "text": "1"})
    assert fake_rasa.requests[-1]["message"] == "/ask_fee"  # the first button of the reply
    hist = client.get(f"/v1/chat/web/{SID}/history").json()
    assert [m["text"] for m in hist["messages"] if m["role"] == "citizen"] == [
        "khai sinh", "Lệ phí"]


def test_the_turn_service_answers_a_platform_message_like_a_web_one(
        client: TestClient, fake_rasa: FakeRasa) -> None:
    state = client.app.state.api
    inbound = Inbound(channel="zalo", user_id="8470091123456789012", message_id="m-1",
                      kind=InboundKind.text, text="thủ tục kết hôn")
    turn = asyncio.run(get_turns(state).take(inbound))
    assert fake_rasa.requests[-1]["metadata"] == {"channel": "zalo"}
    assert [m.role for m in turn.messages] == ["bot"]
    assert turn.conversation is not None and turn.conversation.channel == "zalo"
    # the reply address is sealed, never the platform id in clear
    assert turn.conversation.reply_address
    assert "8470091123456789012" not in turn.conversation.reply_address
    assert state.identity.open(turn.conversation.reply_address) == "8470091123456789012"


def test_an_attachment_on_any_channel_gets_the_polite_text(client: TestClient) -> None:
    state = client.app.state.api
    inbound = Inbound(channel="messenger", user_id="psid-1", message_id="m-2",
                      kind=InboundKind.unsupported, attachment="sticker")
    turn = asyncio.run(get_turns(state).take(inbound))
    assert "chưa đọc được nhãn dán" in turn.messages[0].text
