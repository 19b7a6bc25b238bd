"""`csu cameras discover` as a real process: the simulated dome announced by WS-Discovery, found,
asked and printed as entries `csu check-config` takes.

The probe is multicast, so every test that sends one runs inside a network namespace of its own
(a loopback with a private address and a multicast route, nothing else): no datagram reaches the
machine's real network. Creating one needs root and iproute2.
"""

from __future__ import annotations

import os
import secrets
import select
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from csu.demo.dome.device import OnvifDevice
from tests.conftest import require_service

PYTHON = sys.executable
CSU = str(Path(sys.executable).parent / "csu")
DEVICE = OnvifDevice()  # only for its account's name and password


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)


@pytest.fixture
def netns() -> Iterator[str]:
    """A fresh network namespace with only a loopback that carries multicast; deleted after."""
    if os.geteuid() != 0 or shutil.which("ip") is None:
        require_service("a private network namespace (root and iproute2's `ip netns`)")
    name = f"csu-disc-{secrets.token_hex(4)}"
    try:
        _ip("netns", "add", name)
    except subprocess.CalledProcessError as exc:
        require_service(f"a private network namespace: {exc.stderr.decode().strip()}")
    try:
        # wsdiscovery sends from non-loopback addresses only: give the loopback a private one
        for command in (
            ("link", "set", "lo", "up"),
            ("link", "set", "lo", "multicast", "on"),
            ("addr", "add", "10.77.0.1/24", "dev", "lo"),
            ("route", "add", "224.0.0.0/4", "dev", "lo"),
        ):
            _ip("netns", "exec", name, "ip", *command)
        yield name
    finally:
        _ip("netns", "delete", name)


@pytest.fixture
def announced_dome(netns: str) -> Iterator[str]:
    """The simulated dome served and announced inside the namespace; yields its device URL."""
    dome = subprocess.Popen(
        ["ip", "netns", "exec", netns, PYTHON, "-m", "csu.demo.dome.discovery"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert dome.stdout is not None
        ready, _, _ = select.select([dome.stdout], [], [], 60)
        assert ready, "the dome did not start within 60 s"
        url = dome.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url
        yield url
    finally:
        dome.terminate()
        dome.wait(30)


def _discover(netns: str, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["ip", "netns", "exec", netns, CSU, "cameras", "discover", *options],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "CSU_ONVIF_PASSWORD": DEVICE.password},
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.slow
def test_the_announced_dome_is_printed_as_an_entry_check_config_takes(
    netns: str, announced_dome: str, tmp_path: Path
) -> None:
    found = _discover(netns, "--timeout", "3", "--username", DEVICE.username)
    assert found.returncode == 0, found.stderr
    out = found.stdout
    assert "# model: AXIS Q6075-E, firmware 10.12.114" in out
    assert '# profile profile_1 "mainStream": rtsp://127.0.0.1:554/profile_1' in out
    assert f"# device service: {announced_dome}" in out
    (camera,) = yaml.safe_load(out)["cameras"]
    assert camera["source"] == "rtsp://127.0.0.1:554/profile_1"
    assert camera["onvif"] == {
        "url": announced_dome,
        "username": DEVICE.username,
        "password_env": "CSU_ONVIF_PASSWORD",
    }
    assert camera["name"] == "AXIS Q6075-E (127.0.0.1)"
    assert DEVICE.password not in out
    site = tmp_path / "site.yaml"
    site.write_text("site: {name: Angers, timezone: Europe/Paris}\n" + out, encoding="utf-8")
    checked = subprocess.run(
        [CSU, "check-config", str(site)], capture_output=True, text=True, timeout=120
    )
    assert checked.returncode == 0, checked.stderr
    print(out)


@pytest.mark.slow
def test_without_an_account_the_dome_is_listed_with_a_note(netns: str, announced_dome: str) -> None:
    found = _discover(netns, "--timeout", "2")
    assert found.returncode == 0, found.stderr
    assert yaml.safe_load(found.stdout) == {"cameras": []}
    assert (
        "  # AXIS Q6075-E (127.0.0.1): asks for an account: give --username and CSU_ONVIF_PASSWORD"
        in found.stdout
    )
    assert "onvif://www.onvif.org/hardware/Q6075-E" in found.stdout


@pytest.mark.slow
def test_no_device_is_one_clear_line_and_exit_0(netns: str) -> None:
    found = _discover(netns, "--timeout", "1")
    assert (found.returncode, found.stdout) == (0, "")
    assert found.stderr.strip().splitlines()[-1] == (
        "cameras discover : aucun appareil ONVIF n'a répondu en 1 s"
        " (WS-Discovery n'atteint que ce segment du réseau)"
    )


def test_bad_options_are_exit_2_with_one_line_each() -> None:
    # refused before any probe is sent: no namespace needed
    found = subprocess.run(
        [
            CSU,
            "cameras",
            "discover",
            "--timeout",
            "soon",
            "--password-env",
            "lower",
            "--username",
            "csu",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if k != "CSU_ONVIF_PASSWORD"},
        stdin=subprocess.DEVNULL,
    )
    assert (found.returncode, found.stdout) == (2, "")
    assert found.stderr.splitlines() == [
        "cameras discover: --timeout : 'soon' n'est pas un nombre de secondes",
        "cameras discover: --password-env : 'lower' doit être un nom de variable"
        " d'environnement (majuscules, chiffres et «\u00a0_\u00a0»)",
        "cameras discover: lower n'est pas définie : elle contient le mot de passe de --username",
    ]
    for timeout in ("0", "-3", "nan", "inf", "121"):
        found = subprocess.run(
            [CSU, "cameras", "discover", "--timeout", timeout],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert found.returncode == 2
        assert (
            found.stderr
            == f"cameras discover: --timeout : {timeout} doit aller de 0.5 à 120 secondes\n"
        )
    blank = subprocess.run(
        [CSU, "cameras", "discover", "--username", "   "],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ | {"CSU_ONVIF_PASSWORD": "pw"},
        stdin=subprocess.DEVNULL,
    )
    assert (blank.returncode, blank.stderr) == (
        2,
        "cameras discover: --username : donnez de 1 à 128 caractères imprimables, pas seulement"
        " des espaces\n",
    )
