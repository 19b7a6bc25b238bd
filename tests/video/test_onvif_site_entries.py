"""What `csu cameras discover` prints: YAML that a site file takes as is, whatever devices say."""

from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csu.config import check_site_file
from video.onvif.site_entries import (
    Account,
    FoundDevice,
    Stream,
    device_service_url,
    site_entries,
)

ACCOUNT = Account("csu", "CSU_ONVIF_PASSWORD", "secret-not-printed")
XADDR = "http://10.0.0.21/onvif/device_service"


def _dome(**changes: object) -> FoundDevice:
    fields: dict[str, object] = {
        "xaddrs": (XADDR,),
        "scopes": ("onvif://www.onvif.org/hardware/Q6075-E",),
        "manufacturer": "AXIS",
        "model": "Q6075-E",
        "firmware": "10.12.114",
        "serial": "ACCC8EF0C0FF",
        "streams": (
            Stream(
                "profile_1",
                "mainStream",
                "rtsp://10.0.0.21/axis-media/media.amp",
                "1920x1080 H264, PTZ",
            ),
            Stream(
                "profile_2", "subStream", "rtsp://10.0.0.21/axis-media/media.amp?resolution=640x360"
            ),
        ),
    }
    return FoundDevice(**(fields | changes))  # type: ignore[arg-type]


def _site(fragment: str, folder: Path) -> list[str]:
    """check-config's lines for a site made of a site header and the fragment."""
    path = folder / "site.yaml"
    path.write_text("site: {name: Angers, timezone: Europe/Paris}\n" + fragment, encoding="utf-8")
    return check_site_file(path)


def test_a_described_dome_is_one_entry_a_site_takes(tmp_path: Path) -> None:
    text = site_entries([_dome()], ACCOUNT)
    assert _site(text, tmp_path) == []
    (camera,) = yaml.safe_load(text)["cameras"]
    assert camera == {
        "id": "axis-q6075-e-10-0-0-21",
        "name": "AXIS Q6075-E (10.0.0.21)",
        "source": "rtsp://10.0.0.21/axis-media/media.amp",
        "onvif": {"url": XADDR, "username": "csu", "password_env": "CSU_ONVIF_PASSWORD"},
    }
    assert "# model: AXIS Q6075-E, firmware 10.12.114, serial ACCC8EF0C0FF" in text
    assert '# profile profile_1 "mainStream" (1920x1080 H264, PTZ): rtsp://10.0.0.21/' in text
    assert '# profile profile_2 "subStream": rtsp://10.0.0.21/axis-media/media.amp?res' in text
    assert "secret-not-printed" not in text


def test_hostile_names_stay_inside_their_scalars_and_comments(tmp_path: Path) -> None:
    hostile = (
        'Q6075-E"\n  - id: evil\n    source: rtsp://evil/\r# \x85\u2028\ud800'
        " &a *a !!python/object {x: [}"
    )
    device = _dome(
        manufacturer="AXIS: 'quoted' #",
        model=hostile,
        firmware="1.0\nfirmware: evil",
        streams=(Stream("tok\n- id: x", 'name"\\', "rtsp://10.0.0.21/live"),),
    )
    text = site_entries([device], ACCOUNT)
    text.encode("utf-8")  # no lone surrogate left to print
    assert _site(text, tmp_path) == []
    (camera,) = yaml.safe_load(text)["cameras"]
    assert set(camera) == {"id", "name", "source", "onvif"}
    assert camera["source"] == "rtsp://10.0.0.21/live"
    assert camera["id"].startswith("axis-quoted-q6075-e-id-evil")
    assert "\n" not in camera["name"] and "\ufffd" in camera["name"]
    assert camera["name"].startswith("AXIS: 'quoted' # Q6075-E\" - id: evil source: rtsp://evil/")
    for line in text.splitlines():  # each line is a comment, a key or the list's start
        assert line.lstrip().startswith(("#", "- id:", "name:", "source:", "onvif:", "cameras:"))


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    words=st.lists(st.text(max_size=200), min_size=5, max_size=5),
    username=st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=["Cc"]), min_size=1, max_size=40
    ).filter(lambda name: bool(name.split())),  # `csu cameras discover` refuses blank ones
)
def test_any_text_a_device_sends_gives_one_valid_entry(
    tmp_path: Path, words: list[str], username: str
) -> None:
    manufacturer, model, firmware, token, name = words
    device = _dome(
        manufacturer=manufacturer,
        model=model or "x",
        firmware=firmware,
        streams=(Stream(token, name, "rtsp://10.0.0.21/live"),),
    )
    text = site_entries([device], Account(username, "CSU_ONVIF_PASSWORD"))
    assert _site(text, tmp_path) == [], text
    (camera,) = yaml.safe_load(text)["cameras"]
    assert camera["source"] == "rtsp://10.0.0.21/live"


def test_a_device_that_refused_is_comments_with_its_address_and_scopes(tmp_path: Path) -> None:
    refused = FoundDevice(
        xaddrs=("http://10.0.0.22/onvif/device_service",),
        scopes=(
            "onvif://www.onvif.org/name/Hikvision",
            "onvif://www.onvif.org/hardware/DS-2DE4425IW",
        ),
        note="refused the account 'csu' (Sender not authorized)",
    )
    text = site_entries([refused, _dome()], ACCOUNT)
    assert _site(text, tmp_path) == []
    assert [c["id"] for c in yaml.safe_load(text)["cameras"]] == ["axis-q6075-e-10-0-0-21"]
    assert "  # Hikvision DS-2DE4425IW (10.0.0.22): refused the account 'csu'" in text
    assert "# scopes: onvif://www.onvif.org/name/Hikvision onvif://www.onvif.org/hardware/" in text
    alone = site_entries([refused], Account(None, "CSU_ONVIF_PASSWORD"))
    assert yaml.safe_load(alone) == {"cameras": []} and _site(alone, tmp_path) == []
    assert "0 entries below" in alone and "set it" not in alone


def test_ids_stay_unique_and_the_first_usable_stream_is_the_source(tmp_path: Path) -> None:
    twin = _dome(xaddrs=("http://10.0.0.21:8080/onvif/device_service",))
    same = _dome()
    odd = _dome(
        xaddrs=("http://10.0.0.23/onvif/device_service",),
        streams=(
            Stream("p0", "escape", "rtsp://10.0.0.23/\x1b[2J"),  # would print altered
            Stream("p1", "main", "udp://239.1.1.1:5000"),
            Stream("p2", "sub", "rtsp://10.0.0.23/2"),
        ),
    )
    text = site_entries([_dome(), twin, same, odd], ACCOUNT)
    assert _site(text, tmp_path) == []
    cameras = yaml.safe_load(text)["cameras"]
    assert [c["id"] for c in cameras] == [
        "axis-q6075-e-10-0-0-21",
        "axis-q6075-e-10-0-0-21-8080",
        "axis-q6075-e-10-0-0-21-2",
        "axis-q6075-e-10-0-0-23",
    ]
    assert cameras[3]["source"] == "rtsp://10.0.0.23/2"
    assert "# source: the first profile with a usable URI, p2" in text


def test_a_device_without_a_usable_stream_or_address_is_a_comment(tmp_path: Path) -> None:
    silent = _dome(streams=(Stream("p1", "main", None),))
    nowhere = _dome(xaddrs=("soap.udp://10.0.0.24:3702",))
    text = site_entries([silent, nowhere], ACCOUNT)
    assert yaml.safe_load(text) == {"cameras": []} and _site(text, tmp_path) == []
    assert "AXIS Q6075-E (10.0.0.21): no profile gave a usable stream URI" in text
    assert "announced no usable http(s) device service address" in text


def test_the_device_service_url_prefers_ipv4_and_the_standard_path() -> None:
    assert (
        device_service_url(
            ("http://[fe80::1]/onvif/device_service", "http://10.0.0.21:8000/onvif/services")
        )
        == "http://10.0.0.21:8000/onvif/device_service"
    )
    assert device_service_url(("http://[2001:db8::5]/onvif/device_service",)) == (
        "http://[2001:db8::5]/onvif/device_service"
    )
    assert device_service_url(("http://user:pw@10.0.0.9/x",)) == (
        "http://10.0.0.9/onvif/device_service"
    )
    assert device_service_url(("ftp://10.0.0.9/", "not a url", "http://[bad/")) is None
