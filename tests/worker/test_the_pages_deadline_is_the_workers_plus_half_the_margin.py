"""The page's deadline (session_worker/page_deadline.py) is the worker's own, in wall-clock milliseconds, plus half
the safety margin: the worker's fence stays the first line, and the page still leaves before the backend's lease
(which ends a full margin after the worker's deadline, or later) could move the session."""

from session_worker.page_deadline import page_deadline_ms


def test_the_monotonic_deadline_becomes_wall_clock_milliseconds_half_a_margin_later():
    # Monotonic 100 s is wall 1_000_000 s; the worker fences at monotonic 112 s with a 3 s margin.
    assert page_deadline_ms(112.0, margin_s=3.0, now=100.0, wall=1_000_000.0) == 1_000_013_500


def test_a_deadline_already_past_is_in_the_past_for_the_page_too():
    assert page_deadline_ms(90.0, margin_s=2.0, now=100.0, wall=1_000_000.0) == 999_991_000
