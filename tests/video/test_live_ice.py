"""The ICE servers live view hands out: coturn's time-limited credentials, fixed ones, the Link
header form of RFC 9725, and csu's own aiortc configuration."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from csu.config.live import IceServerConfig, LiveConfig
from video.live.ice import SERVER_LOGIN, IceServer, IceServers, rest_credentials

NOW = 1_800_000_000.0


def test_rest_credentials_are_what_coturn_computes() -> None:
    username, credential, expires = rest_credentials("north-wind", "operator", 3600, NOW)
    assert username == "1800003600:operator" and expires == 1_800_003_600
    # coturn: base64(HMAC-SHA1(static-auth-secret, username)), as in its turnadmin docs.
    digest = hmac.new(b"north-wind", username.encode(), hashlib.sha1).digest()
    assert credential == base64.b64encode(digest).decode()


def servers(monkeypatch: pytest.MonkeyPatch) -> IceServers:
    monkeypatch.setenv("CSU_TEST_TURN_SECRET", "north-wind-secret")
    config = LiveConfig(
        ice_servers=(
            IceServerConfig(urls=("stun:stun.example",)),
            IceServerConfig(urls=("turn:turn.example:3478",), secret_env="CSU_TEST_TURN_SECRET"),
            IceServerConfig(urls=("turns:t2.example",), username="wall", credential='p"w'),
        )
    )
    return IceServers(config, clock=lambda: NOW)


def test_each_login_gets_its_own_time_limited_name(monkeypatch: pytest.MonkeyPatch) -> None:
    stun, rest, fixed = servers(monkeypatch).for_login("ana:b")
    assert stun == IceServer(("stun:stun.example",))
    assert rest.username == "1800086400:ana_b" and rest.expires_at == NOW + 86400
    assert fixed.username == "wall" and fixed.credential == 'p"w' and fixed.expires_at is None
    assert rest.as_json() == {
        "urls": ["turn:turn.example:3478"],
        "username": rest.username,
        "credential": rest.credential,
    }
    assert stun.as_json() == {"urls": ["stun:stun.example"]}


def test_link_headers_follow_rfc_9725(monkeypatch: pytest.MonkeyPatch) -> None:
    stun, _, fixed = servers(monkeypatch).for_login("operator")
    assert stun.links() == ['<stun:stun.example>; rel="ice-server"']
    assert fixed.links() == [
        '<turns:t2.example>; rel="ice-server"; username="wall"; credential="p\\"w";'
        ' credential-type="password"'
    ]


def test_a_server_whose_secret_is_unset_is_left_out_not_fatal(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    ice = servers(monkeypatch)
    monkeypatch.delenv("CSU_TEST_TURN_SECRET")
    assert [s.urls[0] for s in ice.for_login("operator")] == [
        "stun:stun.example",
        "turns:t2.example",
    ]
    assert "CSU_TEST_TURN_SECRET" in caplog.text


def test_csus_own_side_uses_the_same_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    config = servers(monkeypatch).rtc_configuration()
    assert config.iceServers is not None
    turn = config.iceServers[1]
    assert turn.urls == ["turn:turn.example:3478"] and turn.username == f"1800086400:{SERVER_LOGIN}"
    # No servers configured: an empty list, never aiortc's default public STUN server.
    assert IceServers(LiveConfig()).rtc_configuration().iceServers == []
