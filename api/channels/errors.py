"""Errors of the channel webhooks (mapped to JSON by ``api.errors``)."""

from __future__ import annotations

from api.errors import ApiError


class ForbiddenError(ApiError):
    status_code = 403
    code = "forbidden"
