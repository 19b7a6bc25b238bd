"""The `csu` command line, run as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from csu.db import Database
from csu.identity import service as identity
from privacy.access_log import AccessLog

CSU = str(Path(sys.executable).parent / "csu")


def run_csu(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `csu ARGS` and capture its output."""
    return subprocess.run(
        [CSU, *args],
        capture_output=True,
        text=True,
        timeout=120,
        input=stdin,
        env={**os.environ, **(env or {})},
    )


def test_check_config_names_every_error(tmp_path: Path) -> None:
    """An unknown key, a 45-day retention and a malformed URL: exit 2, one line each."""
    site = tmp_path / "site.yaml"
    site.write_text(
        textwrap.dedent(
            """
        site: {name: Angers}
        cameras:
          - id: cam-1
            name: One
            source: rtsp//10.0.0.21/stream1
            retention_days: 45
            colour: red
        """
        )
    )
    result = run_csu("check-config", str(site))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 3, lines
    assert any(line.startswith("cameras[0].colour: unknown key") for line in lines)
    assert any(
        line.startswith("cameras[0].retention_days: must be at most 30 days (got 45)")
        for line in lines
    )
    assert any(
        line.startswith("cameras[0].source: invalid camera URL 'rtsp//10.0.0.21/stream1'")
        for line in lines
    )


def test_check_config_accepts_the_demo_site() -> None:
    """The built-in demo site is valid."""
    from csu.demo import SITE_FILE

    result = run_csu("check-config", str(SITE_FILE))
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout


def test_check_config_on_a_missing_file_is_one_line(tmp_path: Path) -> None:
    """No traceback for a file that is not there."""
    result = run_csu("check-config", str(tmp_path / "nope.yaml"))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_user_add_creates_an_account_with_cameras(tmp_path: Path) -> None:
    """`csu user add` stores the account, its role, its grants and expiry."""
    env = {"CSU_DATA_DIR": str(tmp_path)}
    result = run_csu(
        "user",
        "add",
        "jdupont",
        "--role",
        "operator",
        "--cameras",
        "cam-1,cam-2",
        "--expires",
        "2099-12-31",
        "--password-stdin",
        env=env,
        stdin="s3cret-pass-42\n",
    )
    assert result.returncode == 0, result.stderr
    db = Database(f"sqlite:///{tmp_path / 'csu.db'}")
    with db.session() as s:
        user = identity.authenticate(s, username="jdupont", password="s3cret-pass-42")
        assert user is not None and user.role == "operator"
        grants = identity.grants_for(s, user=user)
        assert sorted(g.camera_id for g in grants) == ["cam-1", "cam-2"]
        assert all(g.expires_at is not None and g.expires_at.year == 2099 for g in grants)
    db.dispose()
    again = run_csu("user", "add", "jdupont", "--role", "operator", env=env)
    assert again.returncode == 2
    assert "already exists" in again.stderr


def test_user_add_without_a_password_prints_a_generated_one(tmp_path: Path) -> None:
    """With no terminal and no --password-stdin, a random password is made and shown once."""
    result = run_csu(
        "user", "add", "dpo", "--role", "privacy_officer", env={"CSU_DATA_DIR": str(tmp_path)}
    )
    assert result.returncode == 0, result.stderr
    password = result.stdout.strip().rsplit(" ", 1)[-1]
    db = Database(f"sqlite:///{tmp_path / 'csu.db'}")
    with db.session() as s:
        assert identity.authenticate(s, username="dpo", password=password) is not None
    db.dispose()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "janitor"], "invalid choice: 'janitor'"),
        (
            ["--role", "operator", "--expires", "2020-01-01"],
            "--expires : le 01/01/2020 est déjà passé",
        ),
        (["--role", "operator", "--expires", "someday"], "invalid fromisoformat value"),
        (["--role", "operator", "--cameras", "*,cam-1"], "doit être la seule entrée"),
        (["--role", "privacy_officer", "--cameras", "cam-1"], "privacy officer is granted no"),
    ],
)
def test_user_add_rejects_bad_input_with_exit_2(
    tmp_path: Path, args: list[str], message: str
) -> None:
    """Bad roles, past or malformed dates and mixed wildcards are refused with exit 2."""
    result = run_csu("user", "add", "someone", *args, env={"CSU_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert message in result.stderr


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("change-me", "password must be at least 12 characters (it has 9)"),
        ("motdepasse2024", "password is one of the most common passwords"),
        ("admin-on-watch", "password must not contain the account's name ('admin')"),
    ],
)
def test_demo_refuses_a_weak_demo_password_in_one_line(
    tmp_path: Path, password: str, why: str
) -> None:
    """A CSU_DEMO_PASSWORD the password rule refuses: exit 2 and one line saying why."""
    result = run_csu(
        "demo", env={"CSU_DEMO_PASSWORD": password, "CSU_DATA_DIR": str(tmp_path / "var")}
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [f"CSU_DEMO_PASSWORD: {why}"]


@pytest.mark.parametrize("password", ["password", "jdupont-2026-ok", "short"])
def test_user_add_refuses_a_weak_password_before_logging_anything(
    tmp_path: Path, password: str
) -> None:
    """The CLI applies the same rule as the API: exit 2, one line, no account, no log entry."""
    env = {"CSU_DATA_DIR": str(tmp_path)}
    result = run_csu(
        "user", "add", "jdupont", "--role", "operator", "--password-stdin",
        env=env, stdin=password + "\n",
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("user add: password ")
    # A second account exists first, so the database is there to be read.
    ok = run_csu("user", "add", "other", "--role", "operator", env=env)
    assert ok.returncode == 0, ok.stderr
    db = Database(f"sqlite:///{tmp_path / 'csu.db'}")
    with db.session() as s:
        assert identity.get_user(s, username="jdupont") is None
    created = [e for e in AccessLog(db).entries() if e.action == "admin.user_created"]
    assert [json.loads(e.details)["username"] for e in created] == ["other"]
    db.dispose()


@pytest.mark.parametrize(("language", "said"), [("fr", " : valide"), ("en", ": valid")])
def test_check_config_speaks_the_site_files_language(
    tmp_path: Path, language: str, said: str
) -> None:
    """What check-config tells people is in the site file's language."""
    from csu.demo import SITE_FILE

    text = SITE_FILE.read_text(encoding="utf-8")
    site = tmp_path / "site.yaml"
    zone = "\n  timezone: Europe/Paris\n"
    assert zone in text
    site.write_text(text.replace(zone, f"{zone}  language: {language}\n", 1))
    result = run_csu("check-config", str(site), env={"CSU_DATA_DIR": str(tmp_path / "var")})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"{site}{said}"


def test_cli_words_fall_back_to_french(tmp_path: Path) -> None:
    """No site file, an unreadable one or one without a language: French."""
    from csu.cli_words import site_language

    broken = tmp_path / "broken.yaml"
    broken.write_text("site: [unclosed\n")
    english = tmp_path / "en.yaml"
    english.write_text("site: {name: X, language: en}\ncameras: 12\n")
    assert [site_language(p) for p in (None, tmp_path / "none.yaml", broken, english)] == [
        "fr", "fr", "fr", "en",
    ]  # fmt: skip
