"""Text a database can store: the adapters' refusal by name, and the repair of csu's own strings."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import select

from csu.db import Database
from csu.text import storable, text_problem, unstorable
from incidents.alarms import AlarmParseError
from incidents.alarms.adapters.fields import decoded_json
from incidents.models import RawAlarm
from incidents.parsing import Channel, Submission
from incidents.store import insert_raw_ids

# Every code point, with lone surrogates, NUL and what looks like their escapes made common.
ANY_TEXT = st.text(
    alphabet=st.characters(codec=None, categories=None)
    | st.sampled_from(["\x00", "\ud800", "\udbff", "\udc00", "\udfff", "\\", "u", "0"]),
    max_size=12,
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=12,
)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    if isinstance(value, dict):
        return [s for key, item in value.items() for s in (key, *_strings(item))]
    return []


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


@given(JSON_VALUES)
def test_a_decoded_document_is_storable_or_refused(document: Any) -> None:
    """Whatever JSON text says (escapes included), decoding either refuses it with a reason or
    gives strings every database stores: the orjson fast path included."""
    for text in (json.dumps(document), json.dumps(document, ensure_ascii=False)):
        payload = text.encode("utf-8", "surrogatepass")
        try:
            decoded = decoded_json(payload, "a document")
        except AlarmParseError as exc:
            assert not all(_encodable(s) for s in _strings(document)), exc
            continue
        assert all(_encodable(s) for s in _strings(decoded))
        assert decoded == document


@given(ANY_TEXT)
def test_repaired_text_is_storable(text: str) -> None:
    """storable() leaves good text as it is and makes any text storable."""
    repaired = storable(text)
    assert _encodable(repaired) and text_problem(repaired) is None
    assert (repaired == text) == _encodable(text) == (text_problem(text) is None)
    assert len(storable(text, 5)) <= 5


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            b'{"a": {"b": ["ok", "x\\ud800"]}}',
            "a.b[1]: contains a lone surrogate \\ud800 at offset 1",
        ),
        (b'{"a": "\\udc00"}', "a: contains a lone surrogate \\udc00 at offset 0"),
        (b'{"a": "caf\\u00e9 \\u0000"}', "a: contains a NUL character (\\u0000) at offset 5"),
        (b'{"k\\u0000": 1}', "body: a member name contains a NUL character (\\u0000) at offset 1"),
        (b'[{"x": 1}, "\\ud83d"]', "[1]: contains a lone surrogate \\ud83d at offset 0"),
        (b'"\\u0000"', "body: contains a NUL character (\\u0000) at offset 0"),
    ],
)
def test_the_refusal_names_where(body: bytes, message: str) -> None:
    with pytest.raises(AlarmParseError) as caught:
        decoded_json(body, "a document")
    assert str(caught.value) == message


def test_good_text_passes_untouched() -> None:
    """A surrogate pair is a character; an escaped backslash before u0000 is not a NUL."""
    body = b'{"emoji": "\\ud83d\\ude00", "path": "C:\\\\u0000", "fr": "\xc3\xa9t\xc3\xa9"}'
    assert decoded_json(body, "x") == orjson.loads(body)
    assert unstorable({"fine": ["é", "😀", 1, None]}) is None


def test_raw_rows_store_whatever_a_sender_puts_beside_the_body(db: Database) -> None:
    """A topic or content type with NUL, a lone surrogate, or longer than its column is repaired
    and cut: the payload itself must always be kept."""
    hint = "alarms/" + "t" * 300 + "\x00\ud800"
    submission = Submission(
        Channel.MQTT,
        b"\x00\xff any bytes",
        datetime.now(UTC),
        content_type="application/json\x00\udfff" + "x" * 200,
        source_hint=hint,
    )
    with db.session() as session:
        (raw_id,) = insert_raw_ids(session, [submission])
    with db.session() as session:
        raw = session.exec(select(RawAlarm).where(RawAlarm.id == raw_id)).one()
    assert raw.body == b"\x00\xff any bytes"
    assert raw.source_hint is not None and len(raw.source_hint) == 256
    assert raw.source_hint.startswith("alarms/ttt") and raw.source_hint.endswith("…")
    assert raw.content_type is not None and len(raw.content_type) == 128
    assert raw.content_type.startswith("application/json\ufffd\ufffd")
