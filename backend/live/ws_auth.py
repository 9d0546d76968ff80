"""WebSocket authentication for clients that are not browsers: `Authorization: Token <key>` (DRF tokens).

Browsers are authenticated by their session cookie (channels' AuthMiddlewareStack, applied first); this
only fills in a user the session did not provide.
"""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware

from backend.accounts.selectors import user_for_token

_user_for_token = database_sync_to_async(user_for_token)


class TokenAuthMiddleware(BaseMiddleware):
    async def __call__(self, scope, receive, send):
        user = scope.get("user")
        if user is None or not user.is_authenticated:
            headers = dict(scope.get("headers") or [])
            keyword, _, key = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
            if keyword == "Token" and key:
                found = await _user_for_token(key=key.strip())
                if found is not None:
                    scope = {**scope, "user": found}
        return await super().__call__(scope, receive, send)
