import asyncio

from genesys_tui.genesys.ratelimit import RateLimiter


class FakeTime:
    def __init__(self):
        self.now = 1000.0

    def clock(self):
        return self.now

    async def sleep(self, s):
        self.now += s


async def test_never_more_than_the_budget_in_any_minute():
    t = FakeTime()
    rl = RateLimiter(300, clock=t.clock, sleep=t.sleep)
    stamps = []
    for _ in range(1000):
        await rl.acquire()
        stamps.append(t.now)
    j = 0
    for i, s in enumerate(stamps):
        while stamps[j] <= s - 60:
            j += 1
        assert i - j + 1 <= 300, f"{i - j + 1} requests within 60 s"
    # and it does not crawl: sustained throughput stays above 90% of the budget
    assert stamps[-1] - stamps[0] < 60 * 1000 / (0.9 * 300)


async def test_burst_is_immediate():
    t = FakeTime()
    rl = RateLimiter(300, clock=t.clock, sleep=t.sleep)
    for _ in range(rl.burst):
        await rl.acquire()
    assert t.now == 1000.0


async def test_headers_nearly_spent_hold_until_reset():
    t = FakeTime()
    rl = RateLimiter(300, clock=t.clock, sleep=t.sleep)
    rl.observe(
        {
            "inin-ratelimit-allowed": "300",
            "inin-ratelimit-count": "299",
            "inin-ratelimit-reset": "17",
        }
    )
    await rl.acquire()
    assert t.now >= 1017.0


async def test_headers_getting_close_spread_requests():
    t = FakeTime()
    rl = RateLimiter(300, clock=t.clock, sleep=t.sleep)
    rl.observe(
        {
            "inin-ratelimit-allowed": "300",
            "inin-ratelimit-count": "280",
            "inin-ratelimit-reset": "40",
        }
    )
    await rl.acquire()
    first = t.now
    await rl.acquire()
    assert t.now - first >= 40 / 20 - 1e-9


async def test_garbage_headers_ignored():
    t = FakeTime()
    rl = RateLimiter(300, clock=t.clock, sleep=t.sleep)
    rl.observe({"inin-ratelimit-allowed": "x"})
    await rl.acquire()
    assert t.now == 1000.0


async def test_concurrent_acquirers_share_the_budget():
    t = FakeTime()
    rl = RateLimiter(60, burst=5, clock=t.clock, sleep=t.sleep)
    await asyncio.gather(*(rl.acquire() for _ in range(30)))
    # 5 at once, then 55/60 per second: 25 more take about 27 s
    assert 25 <= t.now - 1000 <= 30
