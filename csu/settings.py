"""Process settings from the environment (CSU_*), validated once at start."""

from __future__ import annotations

import re
import socket
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# French video-protection law keeps the access log at least six months.
MIN_ACCESS_LOG_RETENTION_DAYS = 180
EVIDENCE_KEY_FILE = Path("keys") / "evidence-ed25519.pem"
FINGERPRINT = re.compile(r"SHA256:[A-Za-z0-9+/]{43}")
WITNESS_SCHEMES = ("syslog+udp", "syslog+tcp", "nats")


class Settings(BaseSettings):
    """Where csu keeps its state and how it reaches its services."""

    model_config = SettingsConfigDict(env_prefix="CSU_", extra="ignore")

    data_dir: Path = Field(
        default=Path("var"), description="Folder for the SQLite file, recordings and keys."
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default is a SQLite file in data_dir.",
    )
    session_hours: float = Field(
        default=12.0, gt=0, le=24 * 7, description="Lifetime of a login token (one watch)."
    )
    cookie_secure: bool = Field(
        default=False, description="Mark the session cookie Secure (set behind HTTPS)."
    )
    public_url: str | None = Field(
        default=None,
        description="The address browsers open csu at (https://csu.city.example); needed only"
        " when a proxy in front rewrites the Host header, to tell csu's pages from others'.",
    )
    node_name: str = Field(
        default_factory=lambda: _host_slug(),
        pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$",
        description="This node's name in a cluster (lowercase slug); default: the host name.",
    )
    worker_capacity: int | None = Field(
        default=None,
        ge=1,
        le=10_000,
        description="Most cameras a `csu worker` takes (default: an even share of them all).",
    )
    nats_url: str | None = Field(
        default=None,
        description="nats://host:4222 of the cluster's NATS (JetStream); unset, csu is one"
        " process. Cluster mode needs PostgreSQL in database_url.",
    )
    log_level: str = Field(default="INFO", description="Python logging level.")
    access_log_retention_days: int = Field(
        default=365,
        le=3650,
        description="Days access-log entries are kept; the law asks for at least 180.",
    )
    access_log_checkpoint_seconds: float = Field(
        default=5,
        ge=1,
        le=3600,
        description="How often the access log's head is signed when entries were added (newer"
        " entries are not yet: an attacker could drop them unseen).",
    )
    access_log_signing_key: Path | None = Field(
        default=None,
        description="Ed25519 private key (PEM) that signs access-log checkpoints; default"
        " <data_dir>/keys/access-log-ed25519.pem, generated on first start (mode 0600).",
    )
    access_log_key_fingerprint: str | None = Field(
        default=None,
        description="Fingerprints (SHA256:..., comma-separated) of the keys the privacy officer"
        " pinned: verification trusts only these (`csu audit key` prints the site's).",
    )
    access_log_witness: str | None = Field(
        default=None,
        description="Where each checkpoint is sent as it is signed, comma-separated:"
        " syslog+udp://host:514, syslog+tcp://host:601, nats://host:4222[?stream=&subject=].",
    )

    recording_min_free_mb: int = Field(
        default=2048,
        ge=0,
        le=10_000_000,
        description="Free space (MiB) kept on the recordings volume: below it the oldest"
        " unheld segments are destroyed (each logged), 0 to disable.",
    )
    recording_free_check_seconds: float = Field(
        default=60, ge=5, le=3600, description="How often the recordings volume's space is checked."
    )
    live_sessions_per_user: int = Field(
        default=24,
        ge=1,
        le=1000,
        description="Live (WHEP) sessions one account may have open or opening at once.",
    )
    live_sessions_total: int = Field(
        default=300,
        ge=1,
        le=100_000,
        description="Live (WHEP) sessions the server keeps open or opening at once, in all.",
    )
    ptz_lock_seconds: float = Field(
        default=30,
        ge=1,
        le=3600,
        description="How long a PTZ camera stays with the operator who last moved it; then"
        " anyone with the right may take it.",
    )
    forum_delay_minutes: int = Field(
        default=15,
        ge=5,
        le=24 * 60,
        description="How old the Forum's public view of the city is: it shows only what was"
        " true this long ago, never newer.",
    )
    alarm_max_body_bytes: int = Field(
        default=1_048_576,
        ge=1024,
        le=64 * 1_048_576,
        description="Largest alarm payload taken (HTTP body, MQTT message); a larger one is"
        " refused (HTTP 413) and only its first 64 KiB kept, listed as rejected.",
    )
    remarks_retention_days: int = Field(
        default=180,
        ge=1,
        le=3650,
        description="Days a Forum visitor's remark is kept (whatever its state), then purged.",
    )
    remarks_box: tuple[float, float, float, float] = Field(
        default=(47.40, -0.66, 47.53, -0.48),
        description="The city's bounds for Forum remarks: south, west, north, east (degrees);"
        " Angers and its edges by default.",
    )
    remarks_per_kiosk_per_minute: int = Field(
        default=5, ge=1, le=600, description="Remarks one Forum kiosk account may send a minute."
    )
    remarks_per_minute: int = Field(
        default=30, ge=1, le=6000, description="Remarks all the Forum kiosks may send a minute."
    )

    @field_validator("access_log_retention_days")
    @classmethod
    def _legal_minimum(cls, value: int) -> int:
        if value < MIN_ACCESS_LOG_RETENTION_DAYS:
            raise ValueError(
                f"must be at least {MIN_ACCESS_LOG_RETENTION_DAYS} days (6 months, the legal"
                f" minimum), got {value}"
            )
        return value

    @field_validator("remarks_box")
    @classmethod
    def _a_box(cls, value: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        south, west, north, east = value
        if not (-90 <= south < north <= 90 and -180 <= west < east <= 180):
            raise ValueError("must be south, west, north, east with south < north, west < east")
        return value

    @field_validator("access_log_key_fingerprint")
    @classmethod
    def _fingerprints(cls, value: str | None) -> str | None:
        for pin in _items(value):
            if not FINGERPRINT.fullmatch(pin):
                raise ValueError(f"{pin!r} is not a key fingerprint (SHA256: and 43 base64 digits)")
        return value

    @field_validator("access_log_witness")
    @classmethod
    def _witnesses(cls, value: str | None) -> str | None:
        for url in _items(value):
            parts = urlsplit(url)
            if parts.scheme not in WITNESS_SCHEMES or not parts.hostname:
                raise ValueError(
                    f"{url!r}: give syslog+udp://host:port, syslog+tcp://host:port or nats://host:port"
                )
        return value

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value.startswith("postgresql://"):
            # psycopg 3 is the driver csu ships; the bare scheme would pick psycopg2.
            return "postgresql+psycopg://" + value.removeprefix("postgresql://")
        if not value.startswith(("sqlite", "postgresql+psycopg")):
            raise ValueError("CSU_DATABASE_URL must be a sqlite:// or postgresql:// URL")
        return value

    def resolved_database_url(self) -> str:
        """The database URL in force: the configured one or the SQLite file under data_dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'csu.db').resolve()}"

    def cluster_errors(self) -> list[str]:
        """Why this configuration cannot join a cluster (empty if it can)."""
        if not self.nats_url:
            return ["CSU_NATS_URL is not set: a cluster node needs the cluster's NATS server"]
        if not self.resolved_database_url().startswith("postgresql"):
            return [
                "cluster mode needs PostgreSQL: set CSU_DATABASE_URL=postgresql+psycopg://..."
                " (every node shares it; SQLite is for the single process)"
            ]
        return []

    def recordings_dir(self) -> Path:
        """Where segment files are kept: <data_dir>/recordings."""
        return self.data_dir / "recordings"

    def signing_key_path(self) -> Path:
        """The access-log signing key in force: the configured file or the one under data_dir."""
        return self.access_log_signing_key or self.data_dir / "keys" / "access-log-ed25519.pem"

    def evidence_key_path(self) -> Path:
        """The evidence-export signing key: never the access log's."""
        return self.data_dir / EVIDENCE_KEY_FILE

    def access_log_pins(self) -> list[str]:
        """The pinned key fingerprints."""
        return _items(self.access_log_key_fingerprint)

    def access_log_witnesses(self) -> list[str]:
        """The witness URLs checkpoints are sent to."""
        return _items(self.access_log_witness)


def _items(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def settings_errors(exc: ValidationError) -> list[str]:
    """One line per invalid setting, named as its environment variable."""
    lines = []
    for error in exc.errors():
        name = "CSU_" + "_".join(str(part) for part in error["loc"]).upper()
        lines.append(f"{name}: {error['msg'].removeprefix('Value error, ')}")
    return lines


def _host_slug() -> str:
    """The host name as a node name: lowercase, dots and other signs as dashes."""
    slug = re.sub(r"[^a-z0-9_-]+", "-", socket.gethostname().lower()).strip("-_")
    return slug[:64] or "node"
