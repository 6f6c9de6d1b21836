"""The PKCE callback listener: any local process can call it, so `state` is checked first."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from genesys_tui.genesys.errors import AuthenticationError
from genesys_tui.genesys.pkce import CALLBACK_PATH, _Listener


async def _serve(state: str):
    listener = _Listener(state)
    server = await asyncio.start_server(listener.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return listener, server, f"http://127.0.0.1:{port}{CALLBACK_PATH}"


async def test_an_error_without_our_state_does_not_abort_the_sign_in():
    listener, server, url = await _serve("s3cr3t")
    async with httpx.AsyncClient() as c:
        for query in (
            "error=access_denied",
            "error=x&state=wrong",
            "state=%C3%A9%F0%9F%98%80&code=1",
            "state=%ff&error=x",
            "code=abc",
        ):
            r = await c.get(f"{url}?{query}")
            assert r.status_code == 400
        assert not listener.result.done()
        r = await c.get(f"{url}?state=s3cr3t&code=the-code")
        assert r.status_code == 200
    assert await listener.result == "the-code"
    server.close()


async def test_an_error_with_our_state_ends_it():
    listener, server, url = await _serve("s3cr3t")
    async with httpx.AsyncClient() as c:
        await c.get(f"{url}?state=s3cr3t&error=access_denied")
    with pytest.raises(AuthenticationError, match="access_denied"):
        await listener.result
    server.close()
