"""The rate limit counts a request in one round trip to Redis (INCR, EXPIRE NX and PTTL, pipelined):
the window is opened by its first request and not moved by later ones, and over the limit Retry-After is what
is left of it."""

import pytest
from django.core.cache import caches
from redis.client import Pipeline, Redis

from backend import ratelimit

pytestmark = pytest.mark.django_db


@pytest.fixture
def round_trips(monkeypatch) -> list[str]:
    trips: list[str] = []
    execute_command, execute = Redis.execute_command, Pipeline.execute

    def one_command(self, *args, **options):
        if not isinstance(self, Pipeline):
            trips.append(str(args[0]))
        return execute_command(self, *args, **options)

    def pipeline(self, *args, **options):
        trips.append("pipeline")
        return execute(self, *args, **options)

    monkeypatch.setattr(Redis, "execute_command", one_command)
    monkeypatch.setattr(Pipeline, "execute", pipeline)
    return trips


def test_each_request_is_one_round_trip_and_only_the_first_opens_the_window(round_trips):
    assert [ratelimit.hit(scope="test", key="w1", rate="2/hour") for _ in range(2)] == [None, None]
    assert round_trips == ["pipeline", "pipeline"]

    counters = caches["default"]
    key = counters.make_and_validate_key("ratelimit:test:w1")
    client = counters._cache.get_client(key)
    client.pexpire(key, 10_000)  # as if most of the hour had gone by
    retry_after = ratelimit.hit(scope="test", key="w1", rate="2/hour")

    assert retry_after is not None and 1 <= retry_after <= 10  # the window kept its end (EXPIRE ... NX)
    assert client.get(key) == b"3"


def test_another_key_has_a_window_of_its_own(round_trips):
    for _ in range(3):
        ratelimit.hit(scope="test", key="w1", rate="2/minute")
    assert ratelimit.hit(scope="test", key="w2", rate="2/minute") is None
    assert 59 <= ratelimit.hit(scope="test", key="w1", rate="2/minute") <= 60
