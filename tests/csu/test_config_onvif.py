"""A camera's `onvif` settings: accepted forms, each refusal as one line, `csu check-config`."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from csu.config import parse_site
from csu.config.onvif import OnvifConfig
from tests.csu.test_cli import run_csu
from tests.csu.test_config import camera_errors


def test_onvif_settings_parse_with_a_password_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    site = parse_site(
        textwrap.dedent(
            """\
            site: {name: Angers}
            cameras:
              - id: cam-a
                name: A
                source: rtsp://10.0.0.1/x
                onvif: {url: "http://10.0.0.1/onvif/device_service", username: csu,
                        password_env: CAM_A_ONVIF_PASSWORD}
              - {id: cam-b, name: B, source: rtsp://10.0.0.2/x}
            """
        )
    )
    onvif = site.cameras[0].onvif
    assert onvif is not None and onvif.username == "csu"
    assert site.cameras[1].onvif is None
    monkeypatch.setenv("CAM_A_ONVIF_PASSWORD", "s3cret")
    assert onvif.secret() == "s3cret"
    monkeypatch.delenv("CAM_A_ONVIF_PASSWORD")
    with pytest.raises(KeyError, match="CAM_A_ONVIF_PASSWORD"):
        onvif.secret()


def test_a_password_in_the_file_and_no_account_at_all_are_accepted() -> None:
    assert OnvifConfig(url="https://cam.example:8443", username="u", password="p").secret() == "p"
    assert OnvifConfig(url="http://10.0.0.1").secret() is None


@pytest.mark.parametrize(
    ("onvif", "error"),
    [
        ("{url: 'rtsp://10.0.0.1/x'}", "invalid ONVIF URL 'rtsp://10.0.0.1/x': scheme must be"),
        ("{url: 'http://'}", "invalid ONVIF URL 'http://': missing host"),
        ("{url: 'http://u:pw@10.0.0.1'}", "invalid ONVIF URL 'http://u:***@10.0.0.1': credentials"),
        ("{url: 'http://10.0.0.1', port: 80}", "unknown key 'port'"),
        ("{url: 'http://10.0.0.1/cgi/onvif'}", "the device service is at /onvif/device_service"),
        ("{url: 'http://10.0.0.1', password: p}", "a password needs a username"),
        (
            "{url: 'http://10.0.0.1', username: u, password: p, password_env: P}",
            "give password or password_env, not both",
        ),
        ("{url: 'http://10.0.0.1', username: u, password_env: 'p-w'}", "environment variable"),
        ("{username: u}", "required"),
    ],
)
def test_bad_onvif_settings_are_refused_in_one_line(onvif: str, error: str) -> None:
    errors = camera_errors(onvif=onvif)
    assert len(errors) == 1, errors
    assert errors[0].startswith("cameras[0].onvif"), errors
    assert error in errors[0]
    assert "pw@" not in errors[0]


def test_check_config_refuses_a_bad_onvif_setting(tmp_path: Path) -> None:
    """Exit 2, one line per error, the password never shown."""
    site = tmp_path / "site.yaml"
    site.write_text(
        textwrap.dedent(
            """
            site: {name: Angers}
            cameras:
              - id: cam-1
                name: One
                source: rtsp://10.0.0.21/stream1
                onvif: {url: "ftp://admin:hunter2@10.0.0.21", username: admin, tls: true}
            """
        )
    )
    result = run_csu("check-config", str(site))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2, lines
    assert any(line.startswith("cameras[0].onvif.url: invalid ONVIF URL") for line in lines)
    assert any(line.startswith("cameras[0].onvif.tls: unknown key") for line in lines)
    assert "hunter2" not in result.stderr
