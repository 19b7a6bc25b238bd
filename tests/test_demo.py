"""`csu demo` as a user runs it: a real process on a real port, stopped and started again."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

BIN = Path(sys.executable).parent
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_demo(workdir: Path, env: dict[str, str]) -> Iterator[tuple[str, list[str]]]:
    """Start `csu demo`, wait until /healthz answers, yield its URL and printed lines, stop it."""
    port = _free_port()
    log_path = workdir / f"demo-{port}.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [str(BIN / "csu"), "demo", "--port", str(port)],
            cwd=workdir,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert proc.poll() is None, log_path.read_text()
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("demo did not answer /healthz within 60 s:\n" + log_path.read_text())
        yield url, log_path.read_text().splitlines()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            assert proc.wait(timeout=20) == 0, log_path.read_text()
        finally:
            if proc.poll() is None:
                proc.kill()


def _token(url: str, username: str, password: str) -> str:
    response = httpx.post(
        f"{url}/api/auth/login", json={"username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def test_demo_serves_cameras_to_a_demo_account(tmp_path: Path) -> None:
    """Health 200, login, four or more online demo cameras, 401 without a token."""
    env = {"CSU_DEMO_PASSWORD": "demo-password", "CSU_DEMO_PACE": "0.1"}
    with running_demo(tmp_path, env) as (url, lines):
        assert any(url in line for line in lines)
        assert httpx.get(f"{url}/api/cameras").status_code == 401
        headers = {"Authorization": f"Bearer {_token(url, 'operator', 'demo-password')}"}
        deadline = time.monotonic() + 15
        while True:
            cameras = httpx.get(f"{url}/api/cameras", headers=headers).json()
            if all(c["status"] == "online" for c in cameras) or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert len(cameras) >= 4
        assert {c["status"] for c in cameras} == {"online"}, cameras
        for role in ("supervisor", "crisis", "privacy_officer", "admin"):
            _token(url, role, "demo-password")
        # The simulated hypervisor's feeder-down next to Rue Lenepveu, with the lamps it darkens.
        deadline = time.monotonic() + 30
        feeder: dict[str, object] = {}
        while not feeder and time.monotonic() < deadline:
            incidents = httpx.get(f"{url}/api/incidents", headers=headers).json()
            feeder = next(
                (
                    i
                    for i in incidents
                    if i["type"] == "lighting.feeder_down" and i["alarm_count"] >= 5
                ),
                {},
            )
            time.sleep(0.5)
        assert feeder, incidents
        assert feeder["cameras"] == ["cam-lenepveu-1"]
    assert (tmp_path / "var" / "csu.db").exists()


def test_restart_keeps_users_and_generated_passwords(tmp_path: Path) -> None:
    """Without CSU_DEMO_PASSWORD the printed passwords persist, and added users survive."""
    env = {"CSU_DEMO_PASSWORD": ""}
    with running_demo(tmp_path, env) as (url, lines):
        first = {m[1]: m[2] for line in lines if (m := re.match(r"\s+(\w+)\s+(\S+)$", line))}
        assert set(first) == {
            "operator",
            "supervisor",
            "crisis",
            "privacy_officer",
            "admin",
            "public_display",
        }
        _token(url, "admin", first["admin"])
    added = subprocess.run(
        [
            str(BIN / "csu"),
            "user",
            "add",
            "night-shift",
            "--role",
            "operator",
            "--cameras",
            "*",
            "--password-stdin",
        ],
        cwd=tmp_path,
        input="quiet harbour lantern 7\n",
        text=True,
        capture_output=True,
        env={**os.environ, **env},
        timeout=60,
    )
    assert added.returncode == 0, added.stderr
    with running_demo(tmp_path, env) as (url, lines):
        second = {m[1]: m[2] for line in lines if (m := re.match(r"\s+(\w+)\s+(\S+)$", line))}
        assert second == first
        token = _token(url, "night-shift", "quiet harbour lantern 7")
        cameras = httpx.get(f"{url}/api/cameras", headers={"Authorization": f"Bearer {token}"})
        assert len(cameras.json()) >= 4
