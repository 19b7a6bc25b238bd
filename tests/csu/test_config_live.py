"""The site file's `live` section: STUN and TURN servers, their credentials, each refusal as one
line."""

from __future__ import annotations

import textwrap

import pytest

from csu.config import SiteConfigError, parse_site
from csu.config.live import IceServerConfig, LiveConfig, ice_url_problem


def site_with(live: str) -> str:
    """A minimal site file with this `live` section."""
    return "site: {name: Angers}\nlive:\n" + textwrap.indent(live, "  ") + "\n"


def errors_of(live: str) -> list[str]:
    """The lines `csu check-config` would print for this `live` section."""
    with pytest.raises(SiteConfigError) as caught:
        parse_site(site_with(live))
    return caught.value.errors


def test_no_live_section_means_no_servers_and_direct_paths() -> None:
    site = parse_site("site: {name: Angers}\n")
    assert site.live == LiveConfig()
    assert site.live.ice_servers == () and site.live.ice_transport_policy == "all"


def test_stun_and_both_kinds_of_turn_credentials_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    live = parse_site(
        site_with(
            textwrap.dedent(
                """\
                ice_transport_policy: relay
                ice_servers:
                  - urls: ["stun:turn.angers.fr:3478"]
                  - urls: ["turn:turn.angers.fr:3478?transport=udp", "turns:turn.angers.fr"]
                    secret_env: CSU_TURN_SECRET
                    ttl_s: 3600
                  - {urls: ["turn:10.0.0.9"], username: csu, credential_env: TURN_PW}
                """
            )
        )
    ).live
    stun, rest, fixed = live.ice_servers
    assert live.ice_transport_policy == "relay"
    assert stun.password() is None and not stun.time_limited
    assert rest.time_limited and rest.ttl_s == 3600
    monkeypatch.setenv("CSU_TURN_SECRET", "a-long-shared-secret")
    monkeypatch.setenv("TURN_PW", "pw")
    assert rest.password() == "a-long-shared-secret" and fixed.password() == "pw"
    monkeypatch.delenv("TURN_PW")
    with pytest.raises(KeyError, match="TURN_PW"):
        fixed.password()


@pytest.mark.parametrize(
    "url",
    [
        "stun:stun.example.org",
        "stun:10.0.0.1:3478",
        "stuns:stun.example.org:5349",
        "turn:turn.example.org?transport=tcp",
        "turns:turn.example.org:443?transport=tcp",
    ],
)
def test_rfc_7064_and_7065_uris_are_accepted(url: str) -> None:
    assert ice_url_problem(url) is None


@pytest.mark.parametrize(
    ("live", "error"),
    [
        (
            "ice_servers: [{urls: ['http://turn.example.org']}]",
            "live.ice_servers[0].urls: invalid ICE server URI 'http://turn.example.org': expected",
        ),
        (
            "ice_servers: [{urls: ['stun:a.example:99999']}]",
            "port must be a number from 1 to 65535",
        ),
        ("ice_servers: [{urls: ['stun:a.example?transport=udp']}]", "a STUN URI takes no"),
        (
            "ice_servers: [{urls: ['turns:a.example?transport=udp'], secret: abcdefgh}]",
            "turns: runs over TLS, hence tcp",
        ),
        ("ice_servers: [{urls: []}]", "live.ice_servers[0].urls: must have at least 1"),
        (
            "ice_servers: [{urls: ['turn:a.example']}]",
            "live.ice_servers[0]: a TURN server needs secret or secret_env",
        ),
        (
            "ice_servers: [{urls: ['stun:a.example'], username: u, credential: p}]",
            "a STUN server takes no credentials",
        ),
        (
            "ice_servers: [{urls: ['turn:a.example'], secret: abcdefgh, credential: p}]",
            "give one of credential, credential_env, secret, secret_env (got credential, secret)",
        ),
        (
            "ice_servers: [{urls: ['turn:a.example'], secret_env: S, username: u}]",
            "time-limited credentials make their own username",
        ),
        (
            "ice_servers: [{urls: ['turn:a.example'], credential: p}]",
            "a fixed TURN password needs a username",
        ),
        (
            "ice_servers: [{urls: ['turn:a.example'], secret: short}]",
            "live.ice_servers[0].secret: must have at least 8 characters",
        ),
        (
            "ice_servers: [{urls: ['turn:a.example'], secret_env: S, ttl_s: 60}]",
            "live.ice_servers[0].ttl_s: must be >= 600",
        ),
        (
            "ice_servers: [{urls: ['turn:a.example'], secret_env: S, realm: x}]",
            "live.ice_servers[0].realm: unknown key 'realm'",
        ),
        (
            "ice_servers: [{urls: ['stun:a.example']}]\nice_transport_policy: relay",
            "live: ice_transport_policy 'relay' needs a TURN server in ice_servers",
        ),
        ("ice_transport_policy: direct", "live.ice_transport_policy: must be 'all' or 'relay'"),
        ("turn: x", "live.turn: unknown key 'turn'"),
    ],
)
def test_each_mistake_is_one_plain_line(live: str, error: str) -> None:
    found = errors_of(live)
    assert len(found) == 1, found
    assert error in found[0], found


def test_a_secret_written_in_the_file_is_never_echoed() -> None:
    found = errors_of(
        "ice_servers: [{urls: ['turn:a.example'], secret: topsecret99, credential: pw99}]"
    )
    assert not any("topsecret99" in line or "pw99" in line for line in found), found


def test_the_model_refuses_the_same_as_the_file() -> None:
    with pytest.raises(ValueError, match="needs a username"):
        IceServerConfig(urls=("turn:a.example",), credential="p")
