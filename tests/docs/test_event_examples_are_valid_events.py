"""The event examples of docs/architecture.md are valid events, and there is one of each type."""

from __future__ import annotations

import json

from shared.events import EventType, validate_event
from tests.docs.markdown import blocks


def test_each_example_is_a_valid_event_and_every_type_has_one():
    examples = [json.loads(b.code) for b in blocks("docs/architecture.md") if b.info == "json"]
    events = [validate_event(example) for example in examples]
    assert sorted(event.type for event in events) == sorted(t.value for t in EventType)
