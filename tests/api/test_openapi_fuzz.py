"""Schemathesis over the OpenAPI spec: generated requests (valid and invalid) never get a 5xx.

Configured as in production (tokens set, index loaded, Rasa reachable), where a 5xx would
be a bug; the 503 answers for "not configured" / "not ready" are tested elsewhere.
The SSE endpoint streams forever and is excluded; it is covered by test_sse_events.py.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode

from api.main import create_app
from api_fakes import (ADMIN_TOKEN, SERVICE_HEADERS, FakeRasa, FakeSearcher, make_settings,
                       seed_agent)

_tmp = Path(tempfile.mkdtemp(prefix="api-fuzz-"))
_nowhere = "http://127.0.0.1:9"  # channel sends fail fast and are logged; never the internet
_settings = make_settings(
    _tmp, rate_limit_per_minute=100_000,
    zalo_app_id="1234567890", zalo_oa_secret_key="fuzz-zalo-oa-secret-0123",
    zalo_access_token="fuzz-zalo-access-token-0123", zalo_api_base=_nowhere,
    zalo_oauth_base=_nowhere, zalo_token_file=_tmp / "zalo-tokens.json",
    messenger_app_secret="fuzz-messenger-secret-0123",
    messenger_verify_token="fuzz-verify-token-0123",
    messenger_page_token="fuzz-page-token-0123", graph_api_base=_nowhere,
    channel_send_attempts=1)
_agent = seed_agent(_settings, "fuzz.supervisor", role="supervisor")  # reaches every rule
app = create_app(_settings, searcher_loader=lambda _d: FakeSearcher(),
                 rasa_transport=FakeRasa("echo").transport())
schema = schemathesis.openapi.from_asgi("/openapi.json", app).exclude(path_regex=r".*/events$")
# valid and invalid inputs alike
schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])


@schema.parametrize()
@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_no_server_errors(case) -> None:  # type: ignore[no-untyped-def]
    headers = ({"Authorization": f"Bearer {ADMIN_TOKEN}"} if case.path.startswith("/v1/admin")
               else _agent)
    headers = {**headers, **SERVICE_HEADERS}  # the internal routes: as the action server
    case.call_and_validate(headers=headers, checks=[not_a_server_error])
