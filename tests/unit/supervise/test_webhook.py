"""The webhook outbox: signed, in order, durable across a receiver outage, no duplicates."""

from __future__ import annotations

import json

import httpx

from genesys_tui.flows.supervise.webhook import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    Outbox,
    sign,
    verify_signature,
)

SECRET = "0123456789abcdef-secret"


def test_signatures_verify_and_refuse_tampering_and_replay():
    body = b'{"seq":1}'
    header = sign(SECRET, body, 1_700_000_000, "d1")
    assert verify_signature(SECRET, body, header, "d1", now=1_700_000_010)
    assert not verify_signature(SECRET, body + b" ", header, "d1", now=1_700_000_010)
    assert not verify_signature("other-secret-000000", body, header, "d1", now=1_700_000_010)
    assert not verify_signature(
        SECRET, body, header, "d1", now=1_700_000_000 + 3600
    )  # replayed later
    assert not verify_signature(
        SECRET, body, header, "d2", now=1_700_000_010
    )  # the delivery id is signed
    assert not verify_signature(SECRET, body, "garbage", "d1", now=1_700_000_000)


class Receiver:
    def __init__(self, clock):
        self.up = False
        self.got = []
        self.clock = clock

    def handler(self, request: httpx.Request) -> httpx.Response:
        if not self.up:
            raise httpx.ConnectError("connection refused")
        assert verify_signature(
            SECRET,
            request.content,
            request.headers[SIGNATURE_HEADER],
            request.headers[DELIVERY_HEADER],
            now=self.clock[0],
        )
        self.got.append((request.headers[DELIVERY_HEADER], json.loads(request.content)))
        return httpx.Response(204)


def test_nothing_is_lost_while_the_receiver_is_down(tmp_path):
    clock = [1000.0]
    box = Outbox(tmp_path / "outbox.sqlite3", clock=lambda: clock[0])
    rx = Receiver(clock)
    http = httpx.Client(transport=httpx.MockTransport(rx.handler))
    for k in range(3):
        box.add({"seq": k + 1}, f"d{k}")
    box.add({"seq": 1}, "d0")  # the same delivery again: kept once
    first = box.deliver("https://qa.example/hook", SECRET, max_backoff=3600, http=http)
    assert first.sent == 0 and first.pending == 3 and "ConnectError" in first.error
    assert (
        box.deliver("https://qa.example/hook", SECRET, max_backoff=3600, http=http).sent == 0
    )  # backing off: not even tried
    box.close()
    # the program restarts later; the receiver is back
    clock[0] += 10
    box = Outbox(tmp_path / "outbox.sqlite3", clock=lambda: clock[0])
    rx.up = True
    done = box.deliver("https://qa.example/hook", SECRET, max_backoff=3600, http=http)
    assert done.sent == 3 and done.pending == 0
    assert [d for d, _ in rx.got] == ["d0", "d1", "d2"] and [r["seq"] for _, r in rx.got] == [
        1,
        2,
        3,
    ]
    assert (
        box.deliver("https://qa.example/hook", SECRET, max_backoff=3600, http=http).sent == 0
    )  # nothing twice


def test_without_a_secret_nothing_is_sent_and_nothing_lost(tmp_path):
    box = Outbox(tmp_path / "o.sqlite3")
    box.add({"seq": 1}, "d1")
    res = box.deliver("https://qa.example/hook", None, max_backoff=3600)
    assert res.sent == 0 and res.pending == 1 and "secret" in res.error
