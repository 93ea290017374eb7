"""The compiled schema check (``validation.fast_check_for``) is a shortcut
for jsonschema: on any record, valid or not, both give the same verdict.

Records are drawn from the schema itself: each property of the type gets a
value that fits its definition or a wrong one (another JSON type, a text
too short or too long, a value outside an enum, a number below its
minimum, a list with a repeat), properties are left out (required ones
too) and unknown ones added, at every depth."""

from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aquatiris_portal.sync.record_types import RECORD_TYPES
from aquatiris_portal.sync.validation import fast_check_for, validator_for

ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.floats(-2, 2, allow_nan=False) | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=6,
)


def fitting(node):
    """Values that (mostly) fit ``node``, and near misses of it."""
    choices = []
    types = node.get("type", [])
    types = [types] if isinstance(types, str) else types
    if "enum" in node:
        choices.append(st.sampled_from(node["enum"]))
        choices.append(st.sampled_from(["", "other", *[str(v).upper() for v in node["enum"]]]))
    if "const" in node:
        choices.append(st.just(node["const"]))
    if "string" in types:
        low, high = node.get("minLength", 0), node.get("maxLength", 70)
        choices.append(st.text(min_size=low, max_size=min(high, 70)))
        choices.append(st.sampled_from(["", "x" * high, "x" * (high + 1), "é" * (high + 1)]))
    if "integer" in types or "number" in types:
        low = node.get("minimum", -5)
        choices.append(st.integers(low - 2, low + 3) | st.sampled_from([float(low), low - 0.5, low + 0.5, True]))
    if "null" in types:
        choices.append(st.none())
    if "object" in types:
        choices.append(record_of(node))
    if "array" in types:
        items = fitting(node.get("items", {}))
        choices.append(st.lists(items, max_size=node.get("maxItems", 3) + 2))
        choices.append(items.map(lambda item: [item, item]))  # a repeat
    choices.append(ANY_JSON)  # another JSON type, or anything
    return st.one_of(choices)


def record_of(node):
    properties = node.get("properties", {})

    @st.composite
    def build(draw):
        record = {}
        for name, sub in properties.items():
            if draw(st.integers(0, 9)) < 8:  # most properties present, required ones too
                record[name] = draw(fitting(sub))
        if draw(st.booleans()):
            record.update(draw(st.dictionaries(st.sampled_from(["extra", "note", "x"]), ANY_JSON, max_size=2)))
        return record

    return build()


def records(record_type):
    schema = validator_for(record_type).schema
    return record_of(schema).map(lambda record: {"type": record_type, **record})


VERDICTS = defaultdict(set)


def test_every_record_type_has_a_compiled_check():
    for record_type in RECORD_TYPES:
        assert fast_check_for(record_type) is not None, record_type


@pytest.mark.parametrize("record_type", RECORD_TYPES)
@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(data=st.data())
def test_compiled_check_agrees_with_jsonschema(record_type, data):
    record = data.draw(records(record_type) | ANY_JSON)
    valid = validator_for(record_type).is_valid(record)
    VERDICTS[record_type].add(valid)
    assert fast_check_for(record_type)(record) is valid


def test_drawn_records_reach_both_verdicts():
    """Both verdicts came up for each type above (else the agreement would prove little)."""
    for record_type in RECORD_TYPES:
        assert VERDICTS[record_type] == {True, False}, record_type
