"""Process settings from the environment (CSU_*), validated once at start."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    log_level: str = Field(default="INFO", description="Python logging level.")

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
