"""Tampering by whoever can write the data folder: caught by pinned keys and off-machine witnesses.

Each attack is the red team's: drop the entries written since the last checkpoint after a kill -9,
truncate the log with its checkpoints and the local witness file, rewrite the chain and re-sign it
with the folder's own key, with a key dropped into the keys folder, or with the evidence key.
"""

from __future__ import annotations

import asyncio
import re
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import pytest

from csu.db import Database
from csu.migrate import upgrade
from csu.scheduler import Scheduler
from csu.settings import Settings
from privacy.access_log import AccessLog
from privacy.access_log.checkpoints import Checkpointer, stored_checkpoints
from privacy.access_log.signing import CheckpointSigner, SigningKeyError, load_or_create_signer
from privacy.access_log.witness import (
    FileWitness,
    read_records,
    read_witness_file,
    witness_path,
)
from privacy.access_log.witness_remote import RemoteWitness, remote_witness
from privacy.audit.runtime import access_log_signer, start_lawful_access
from tests.conftest import require_service
from tests.privacy.logtools import fill, rewrite_chain, rows, verify
from tests.privacy.tamper import tamper

SYSLOG_LINE = re.compile(r"^<\d+>1 \S+Z \S+ csu-access-log \d+ checkpoint - \{")


@pytest.fixture
def syslog(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A syslog receiver on a loopback UDP port, writing each message to a capture file."""
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(0.1)
    capture = tmp_path / "privacy-officer-host" / "syslog.log"
    capture.parent.mkdir()
    capture.touch()
    stop = threading.Event()

    def receive() -> None:
        while not stop.is_set():
            try:
                data = receiver.recv(65_535)
            except TimeoutError:
                continue
            with capture.open("a", encoding="utf-8") as out:
                out.write(data.decode("utf-8") + "\n")

    thread = threading.Thread(target=receive, daemon=True)
    thread.start()
    yield f"syslog+udp://127.0.0.1:{receiver.getsockname()[1]}", capture
    stop.set()
    thread.join(5)
    receiver.close()


def _signer(data_dir: Path) -> CheckpointSigner:
    return load_or_create_signer(Settings(data_dir=data_dir).signing_key_path())


def _site(db: Database, data_dir: Path, url: str) -> tuple[AccessLog, Checkpointer, RemoteWitness]:
    """The log, and a checkpointer sending to the local file and to the remote witness."""
    remote = remote_witness(url)
    witnesses = [FileWitness(witness_path(data_dir)), remote]
    return AccessLog(db), Checkpointer(db, _signer(data_dir), witnesses), remote


def _signed_twice(db: Database, data_dir: Path, url: str) -> None:
    """Ten entries, checkpoints at 5 and 10, both delivered to the witness."""
    log, checkpointer, remote = _site(db, data_dir, url)
    fill(log, 5)
    checkpointer.checkpoint()
    fill(log, 5)
    checkpointer.checkpoint()
    deadline = time.monotonic() + 30
    while remote.sent < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    remote.close()
    assert remote.sent == 2


def _wait_lines(capture: Path, count: int) -> list[str]:
    deadline = time.monotonic() + 30
    lines = capture.read_text().splitlines()
    while len(lines) < count and time.monotonic() < deadline:
        time.sleep(0.05)
        lines = capture.read_text().splitlines()
    return lines


def _resign(db: Database, data_dir: Path, signer: CheckpointSigner) -> None:
    """What the attacker does after a rewrite: new checkpoints, a fresh local witness file."""
    tamper(db, "DELETE FROM chain_checkpoints")
    witness_path(data_dir).unlink(missing_ok=True)
    Checkpointer(db, signer, [FileWitness(witness_path(data_dir))]).checkpoint()


async def test_the_unsigned_tail_is_seconds_so_a_kill_9_loses_nothing_unseen(
    database_url: str, tmp_path: Path
) -> None:
    """Six entries, one a playback: signed within seconds by the running site, no shutdown."""
    db = Database(database_url)
    upgrade(db.engine)
    settings = Settings(data_dir=tmp_path, database_url=database_url)
    scheduler = Scheduler(database_url)
    log = AccessLog(db)
    await asyncio.to_thread(
        start_lawful_access,
        settings,
        db=db,
        access_log=log,
        scheduler=scheduler,
        zone=UTC,
        camera_retention={},
    )
    scheduler.start()
    try:
        await asyncio.to_thread(fill, log, 6)
        head = rows(db)[-1]["seq"]
        deadline = time.monotonic() + 30  # generous: the default interval is 5 s
        while max(c.seq for c in stored_checkpoints(db)) < head and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
    finally:
        await scheduler.shutdown()  # killed: stop_lawful_access never runs, no shutdown checkpoint
    tamper(db, f"DELETE FROM access_log WHERE seq > {head - 6}")
    problem = verify(db, tmp_path).problem
    assert problem is not None and problem.endswith(f"covers entry {head} (truncated)"), problem
    db.dispose()


def test_checkpoints_reach_syslog_as_rfc_5424(
    db: Database, tmp_path: Path, syslog: tuple[str, Path]
) -> None:
    """One message per checkpoint, RFC 5424, carrying seq, hash, time, signature and key."""
    url, capture = syslog
    _signed_twice(db, tmp_path, url)
    lines = _wait_lines(capture, 2)
    assert len(lines) == 2 and all(SYSLOG_LINE.match(line) for line in lines), lines
    held = read_witness_file(capture)
    assert held.errors == []
    assert [(c.seq, c.hash) for c in held.checkpoints] == [
        (c.seq, c.hash) for c in stored_checkpoints(db)
    ]
    assert [k.fingerprint for k in held.keys] == [_signer(tmp_path).fingerprint]


def test_truncating_the_log_checkpoints_and_witness_file_is_caught_by_syslog(
    db: Database, tmp_path: Path, syslog: tuple[str, Path]
) -> None:
    """Everything in the data folder agrees after the attack; the syslog host does not."""
    url, capture = syslog
    _signed_twice(db, tmp_path, url)
    _wait_lines(capture, 2)
    tamper(db, "DELETE FROM access_log WHERE seq > 3", "DELETE FROM chain_checkpoints")
    witness_path(tmp_path).unlink()
    assert verify(db, tmp_path).ok  # the folder alone is fooled
    problems = verify(db, tmp_path, witnesses=(str(capture),)).problems
    assert any(p.startswith("log ends at entry 3 but checkpoint signed at ") for p in problems)
    assert any(p.endswith("covers entry 10 (truncated)") for p in problems), problems
    assert sum("missing from the database (deleted)" in p for p in problems) == 2


def test_a_rewrite_re_signed_with_the_folder_key_is_caught_by_syslog(
    db: Database, tmp_path: Path, syslog: tuple[str, Path]
) -> None:
    """The attacker holds the key: the chain and its new checkpoints agree, the witness does not."""
    url, capture = syslog
    _signed_twice(db, tmp_path, url)
    _wait_lines(capture, 2)
    rewrite_chain(db, seq=3, reason="nothing to see")
    _resign(db, tmp_path, _signer(tmp_path))
    assert verify(db, tmp_path).ok  # the folder alone is fooled
    problems = verify(db, tmp_path, witnesses=(str(capture),)).problems
    assert problems[0].startswith("entry 5: differs from the checkpoint signed at ")
    assert problems[0].endswith("(chain rewritten)")
    assert problems[1].startswith("entry 10: differs from the checkpoint signed at ")


@pytest.fixture
def rewritten(db: Database, tmp_path: Path) -> Database:
    """Ten entries signed by the site's key, then entry 3 rewritten and every hash after it."""
    local = [FileWitness(witness_path(tmp_path))]
    log, checkpointer = AccessLog(db), Checkpointer(db, _signer(tmp_path), local)
    fill(log, 5)
    checkpointer.checkpoint()
    fill(log, 5)
    checkpointer.checkpoint()
    rewrite_chain(db, seq=3, reason="nothing to see")
    return db


def test_a_key_dropped_into_the_keys_folder_is_not_trusted(
    rewritten: Database, tmp_path: Path
) -> None:
    """Re-signed by the attacker's own key, its public half beside the site's: refused."""
    site = _signer(tmp_path)
    attacker = load_or_create_signer(tmp_path / "keys" / "audit-2027.pem")
    assert (tmp_path / "keys" / "audit-2027.pub.pem").exists()
    _resign(rewritten, tmp_path, attacker)
    for pins in ((), (site.fingerprint,)):
        problem = verify(rewritten, tmp_path, pins=pins).problem
        assert problem is not None and f"signed by unknown key {attacker.key_id}" in problem


def test_the_evidence_key_never_signs_the_access_log(rewritten: Database, tmp_path: Path) -> None:
    """Re-signed with the evidence-export key: refused even when someone pins it."""
    settings = Settings(data_dir=tmp_path)
    evidence = load_or_create_signer(settings.evidence_key_path())
    _resign(rewritten, tmp_path, evidence)
    assert f"signed by unknown key {evidence.key_id}" in str(verify(rewritten, tmp_path).problem)
    pinned = verify(rewritten, tmp_path, pins=(evidence.fingerprint,)).problems
    assert pinned[0] == (
        f"key {evidence.fingerprint} is the evidence-export key: it never signs the access log"
    )
    assert any(f"signed by unknown key {evidence.key_id}" in p for p in pinned)
    with pytest.raises(SigningKeyError, match="is the evidence-export key"):
        access_log_signer(
            Settings(data_dir=tmp_path, access_log_signing_key=settings.evidence_key_path())
        )


def test_a_witness_away_gets_the_checkpoints_when_it_is_back(db: Database, tmp_path: Path) -> None:
    """Syslog over TCP: nothing listens at first; the records wait, then arrive in order."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    log, checkpointer, remote = _site(db, tmp_path, f"syslog+tcp://127.0.0.1:{port}")
    fill(log, 2)
    checkpointer.checkpoint()
    fill(log, 2)
    checkpointer.checkpoint()
    time.sleep(0.5)
    assert remote.sent == 0
    server = socket.create_server(("127.0.0.1", port))
    server.settimeout(30)
    try:
        conn, _ = server.accept()
        conn.settimeout(30)
        received = b""
        while received.count(b"\n") < 2:
            received += conn.recv(65_535)
        conn.close()
    finally:
        server.close()
        remote.close(timeout=1)
    lines = received.decode().splitlines()
    assert all(SYSLOG_LINE.match(line) for line in lines), lines
    held = read_records(lines, source="tcp capture", strict=False)
    assert [c.seq for c in held.checkpoints] == [2, 4] and held.errors == []


def test_a_nats_stream_witnesses_the_checkpoints(db: Database, tmp_path: Path) -> None:
    """JetStream keeps every checkpoint; verify reads it back and catches a truncation."""
    try:
        socket.create_connection(("127.0.0.1", 4222), timeout=2).close()
    except OSError:
        require_service("NATS with JetStream at 127.0.0.1:4222")
    name = uuid.uuid4().hex[:12]
    url = f"nats://127.0.0.1:4222?stream=CSU_TEST_{name}&subject=csu.test.{name}"
    try:
        _signed_twice(db, tmp_path, url)
        tamper(db, "DELETE FROM access_log WHERE seq > 3", "DELETE FROM chain_checkpoints")
        witness_path(tmp_path).unlink()
        assert verify(db, tmp_path).ok
        problems = verify(db, tmp_path, witnesses=(url,)).problems
        assert any(p.endswith("covers entry 10 (truncated)") for p in problems), problems
    finally:
        asyncio.run(_drop_stream(f"CSU_TEST_{name}"))


async def _drop_stream(stream: str) -> None:
    import nats

    client = await nats.connect("nats://127.0.0.1:4222")
    try:
        await client.jetstream().delete_stream(stream)
    finally:
        await client.close()
