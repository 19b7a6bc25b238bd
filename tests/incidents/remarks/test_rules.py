"""The remarks' pure rules: the city's box, the text and contact, the token buckets (explicit
clocks), the public place, and a Hypothesis run over whatever a visitor may send."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csu.text import text_problem
from incidents.remarks.rules import (
    MAX_CONTACT,
    MAX_TEXT,
    CityBox,
    RemarkLimiter,
    RemarkRefused,
    RemarksTooMany,
    TokenBucket,
    check_remark,
    public_place,
    purge_before,
)

ANGERS = CityBox(47.40, -0.66, 47.53, -0.48)
CENTRE = (47.4712, -0.5518)


def test_a_remark_inside_the_city_is_kept_stripped_and_without_a_contact_unless_consented() -> None:
    draft = check_remark(ANGERS, *CENTRE, "  Lampadaire éteint  ", None, False)
    assert (draft.text, draft.contact, draft.lat) == ("Lampadaire éteint", None, 47.4712)
    kept = check_remark(ANGERS, *CENTRE, "Banc cassé", " claire@example.org ", True)
    assert kept.contact == "claire@example.org"
    assert check_remark(ANGERS, *CENTRE, "Banc", "   ", False).contact is None


@pytest.mark.parametrize(
    ("lat", "lon", "text", "contact", "consent", "key"),
    [
        (48.85, 2.35, "Paris", None, False, "remarks.errors.outside"),
        (math.nan, -0.55, "nan", None, False, "remarks.errors.outside"),
        (47.47, math.inf, "inf", None, False, "remarks.errors.outside"),
        (*CENTRE, "   ", None, False, "remarks.errors.empty"),
        (*CENTRE, "x" * (MAX_TEXT + 1), None, False, "remarks.errors.text"),
        (*CENTRE, "lone \ud800", None, False, "remarks.errors.text"),
        (*CENTRE, "ok", "claire@example.org", False, "remarks.errors.consent"),
        (*CENTRE, "ok", "c" * (MAX_CONTACT + 1), True, "remarks.errors.contact"),
        (*CENTRE, "ok", "nul\x00", True, "remarks.errors.contact"),
    ],
)
def test_a_remark_is_refused_by_name(
    lat: float, lon: float, text: str, contact: str | None, consent: bool, key: str
) -> None:
    with pytest.raises(RemarkRefused) as refused:
        check_remark(ANGERS, lat, lon, text, contact, consent)
    assert refused.value.key == key


def test_the_box_includes_its_edges() -> None:
    assert ANGERS.contains(47.40, -0.66) and ANGERS.contains(47.53, -0.48)
    assert not ANGERS.contains(47.5301, -0.5)


def test_the_public_place_is_rounded_to_about_100_m() -> None:
    lat, lon = public_place(47.471249, -0.551849)
    assert (lat, lon) == (47.471, -0.552)
    # 0.0005° of latitude is 56 m: no public place is further than that from the true one.
    assert abs(lat - 47.471249) <= 0.0005 and abs(lon + 0.551849) <= 0.0005


def test_a_token_bucket_refills_with_time_and_says_how_long_to_wait() -> None:
    bucket = TokenBucket(capacity=5, per_s=5 / 60, at=100.0)
    for _ in range(5):
        assert bucket.wait_s(100.0) == 0
        bucket.take()
    assert bucket.wait_s(100.0) == pytest.approx(12.0)
    assert bucket.wait_s(106.0) == pytest.approx(6.0)
    assert bucket.wait_s(112.0) == 0
    bucket.take()
    assert bucket.wait_s(50.0) == pytest.approx(12.0)  # a clock going back earns nothing
    assert bucket.wait_s(10_000.0) == 0 and bucket.tokens == 5  # never past its capacity


def test_the_limiter_holds_each_kiosk_and_all_of_them() -> None:
    limiter = RemarkLimiter(per_kiosk_per_minute=2, all_per_minute=3)
    limiter.admit("kiosk-a", 0.0)
    limiter.admit("kiosk-a", 1.0)
    with pytest.raises(RemarksTooMany) as waiting:
        limiter.admit("kiosk-a", 2.0)
    assert waiting.value.retry_after_s == 28  # 30 s a token, one second of it earned
    assert waiting.value.key == "remarks.errors.rate" and waiting.value.params == {"seconds": 28}
    limiter.admit("kiosk-b", 2.0)  # another kiosk has its own bucket, the global one a token
    with pytest.raises(RemarksTooMany):
        limiter.admit("kiosk-c", 3.0)  # every kiosk together: three a minute
    limiter.admit("kiosk-a", 30.0)  # a refusal took nothing: half a minute earns one back


def test_the_purge_limit_is_the_retention_before_now() -> None:
    now = datetime(2026, 12, 7, 3, 41, tzinfo=UTC)
    assert purge_before(now, 180) == now - timedelta(days=180)


@given(
    lat=st.floats(allow_nan=True, allow_infinity=True),
    lon=st.floats(allow_nan=True, allow_infinity=True),
    text=st.text(max_size=1200),
    contact=st.none() | st.text(max_size=250),
    consent=st.booleans(),
)
def test_whatever_is_sent_is_either_a_storable_remark_in_the_city_or_refused_by_name(
    lat: float, lon: float, text: str, contact: str | None, consent: bool
) -> None:
    try:
        draft = check_remark(ANGERS, lat, lon, text, contact, consent)
    except RemarkRefused as refused:
        assert refused.key is not None and refused.key.startswith("remarks.errors.")
        return
    assert ANGERS.contains(draft.lat, draft.lon)
    assert 0 < len(draft.text) <= MAX_TEXT and text_problem(draft.text) is None
    if draft.contact is not None:
        assert consent and len(draft.contact) <= MAX_CONTACT
        assert text_problem(draft.contact) is None


@given(lat=st.floats(47.40, 47.53), lon=st.floats(-0.66, -0.48), text=st.text(min_size=1))
def test_a_place_in_the_city_and_storable_words_are_taken(
    lat: float, lon: float, text: str
) -> None:
    words = text.strip()
    if not words or len(words) > MAX_TEXT or text_problem(words) is not None:
        return
    assert check_remark(ANGERS, lat, lon, text, None, False).text == words
