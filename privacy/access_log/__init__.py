"""The append-only, hash-chained access log."""

from privacy.access_log.chain import GENESIS, canonical, entry_hash
from privacy.access_log.models import AccessLogEntry, AccessRecord, Outcome
from privacy.access_log.service import AccessLog, AccessLogUnavailable

__all__ = [
    "GENESIS",
    "AccessLog",
    "AccessLogEntry",
    "AccessLogUnavailable",
    "AccessRecord",
    "Outcome",
    "canonical",
    "entry_hash",
]
