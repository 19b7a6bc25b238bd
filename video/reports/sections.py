"""The report's sections, each a pure function of the figures and the site's words."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from video.reports.figures import ACCESS_COLUMNS, KindFigures
from video.reports.register import CameraRegister
from video.reports.report import Report
from video.reports.words import Words, table

# How many lines a long list prints; the counts above it cover every line.
MAX_LINES = 500


def _flag(w: Words, key: str, **params: object) -> str:
    return f'<span class="flag">{w(key, **params)}</span>'


def _text(value: str | None) -> str:
    return escape(value) if value else "—"


def inventory(r: Report, w: Words) -> str:
    """The cameras, each with its prefectoral authorisation and retention."""
    rows = [
        [
            escape(c.camera_id),
            escape(c.name),
            escape(c.authorisation) if c.authorisation else _flag(w, "ethics.no_authorisation"),
            w("ethics.days", count=w.clock.count(c.retention_days)),
            w("ethics.camera_retired") if c.retired else w("ethics.camera_running"),
        ]
        for c in r.cameras
    ]
    columns = ("camera", "name", "authorisation", "retention", "state")
    return f"<h2>{w('ethics.inventory.title')}</h2>" + table(
        w, columns, rows, empty="ethics.inventory.none"
    )


def _retention_check(c: CameraRegister, w: Words) -> str:
    if c.retention_held:
        return f'<span class="ok">{w("ethics.retention_held")}</span>'
    found = []
    if c.beyond_retention:
        found.append(_flag(w, "ethics.beyond_retention", count=w.clock.count(c.beyond_retention)))
    if c.overdue:
        found.append(_flag(w, "ethics.overdue", count=w.clock.count(c.overdue)))
    return "<br>".join(found)


def _retention_row(c: CameraRegister, w: Words) -> list[str]:
    held = _retention_check(c, w)
    return [
        escape(c.camera_id),
        w("ethics.days", count=w.clock.count(c.retention_days)),
        w.when(c.oldest_kept),
        w.number(c.longest_kept_days),
        held,
    ]


def _destruction_row(c: CameraRegister, w: Words) -> list[str]:
    return [
        escape(c.camera_id),
        w.number(c.destructions),
        w.number(c.failed),
        w.day(c.first_destroyed),
        w.day(c.last_destroyed),
        w.number(c.holds),
        w.number(c.judicial_exports),
    ]


def recordings(r: Report, w: Words) -> str:
    """The register of recordings: per camera, then destructions by month, holds, footage sent."""
    kept = ("camera", "retention", "oldest_kept", "longest_kept", "retention_check")
    gone = (
        "camera",
        "destructions",
        "failed",
        "first_destroyed",
        "last_destroyed",
        "holds",
        "judicial_exports",
    )
    months = [[escape(m), escape(c), w.number(n)] for m, c, n in r.destructions_by_month]
    return (
        f"<h2>{w('ethics.register.title')}</h2><p>{w('ethics.register.help')}</p>"
        + table(w, kept, [_retention_row(c, w) for c in r.cameras], empty="ethics.inventory.none")
        + table(w, gone, [_destruction_row(c, w) for c in r.cameras], empty="ethics.inventory.none")
        + f"<h3>{w('ethics.destructions.title')}</h3>"
        + table(w, ("month", "camera", "destructions"), months, empty="ethics.destructions.none")
        + _holds(r, w)
        + _sent(r, w)
    )


def _holds(r: Report, w: Words) -> str:
    rows = [
        [
            escape(h.camera_id),
            f"{w.when(h.start)} → {w.when(h.end)}",
            escape(h.requisition),
            escape(h.officer),
            escape(h.reason),
            w.when(h.placed_at),
            w.when(h.released_at) + (f"<br>{escape(h.release_reason)}" if h.release_reason else ""),
        ]
        for h in r.holds
    ]
    columns = ("camera", "span", "requisition", "officer", "reason", "placed", "released")
    return f"<h3>{w('ethics.holds.title')}</h3>" + table(
        w, columns, rows, empty="ethics.holds.none"
    )


def _sent(r: Report, w: Words) -> str:
    exports = [
        [
            w.when(e.at),
            escape(", ".join(e.cameras)) or "—",
            f"{w.when(e.span_start)} → {w.when(e.span_end)}",
            _text(e.requisition),
            _text(e.recipient),
            f"<code>{escape((e.manifest_sha256 or '—')[:16])}</code>",
        ]
        for e in r.judicial_exports[:MAX_LINES]
    ]
    delivered = [
        [escape(q.reference), escape(q.requester), w.when(q.handed_over_at), _text(q.recipient)]
        for q in r.delivered[:MAX_LINES]
    ]
    return (
        f"<h3>{w('ethics.sent.title')}</h3>"
        + table(
            w,
            ("at", "camera", "span", "requisition", "recipient", "manifest"),
            exports,
            empty="ethics.sent.none",
        )
        + f"<h3>{w('ethics.delivered.title')}</h3>"
        + table(
            w,
            ("reference", "authority", "handed_over", "recipient"),
            delivered,
            empty="ethics.delivered.none",
        )
    )


def _kind_row(k: KindFigures, w: Words) -> list[str]:
    return [
        w(f"ethics.kind.{k.kind}"),
        w.number(k.received),
        w.number(k.delivered),
        w.number(k.refused),
        w.number(k.open),
        _flag(w, "ethics.count", count=w.clock.count(k.late)) if k.late else w.number(0),
        w.number(k.median_delay_days),
        w.number(k.longest_delay_days),
    ]


def requests(r: Report, w: Words) -> str:
    """Requisitions and access requests received in the period: counts, delays, outcomes."""
    columns = (
        "kind",
        "received",
        "delivered",
        "refused",
        "open",
        "late",
        "median_delay",
        "longest_delay",
    )
    summary = table(w, columns, [_kind_row(k, w) for k in r.requests], empty="ethics.none")
    lines = [
        [
            escape(line.row.reference),
            w(f"ethics.kind.{line.row.kind}"),
            escape(line.row.requester),
            w.when(line.row.received_at),
            w.when(line.row.deadline),
            w.word(f"ethics.status.{line.row.status}", line.row.status),
            w.number(line.delay_days),
            _flag(w, "ethics.late") if line.late else "",
        ]
        for k in r.requests
        for line in k.lines[:MAX_LINES]
    ]
    listed = table(
        w,
        ("reference", "kind", "requester", "received", "deadline", "status", "delay", "late"),
        lines,
        empty="ethics.requests.none",
    )
    return (
        f"<h2>{w('ethics.requests.title')}</h2><p>{w('ethics.requests.help')}</p>{summary}{listed}"
    )


def exports(r: Report, w: Words) -> str:
    """Finished exports by purpose and by camera."""
    purposes = [
        [w.word(f"ethics.purpose.{p}", p), w.number(n)]
        for p, n in sorted(r.exports_by_purpose.items())
    ]
    cameras = [[escape(c), w.number(n)] for c, n in sorted(r.exports_by_camera.items())]
    return (
        f"<h2>{w('ethics.exports.title')}</h2>"
        + table(w, ("purpose", "exports"), purposes, empty="ethics.exports.none")
        + table(w, ("camera", "exports"), cameras, empty="ethics.exports.none")
    )


def accesses(r: Report, w: Words) -> str:
    """Accesses by role and by camera: views of each kind, other actions, refusals."""

    def rows(items: list[tuple[str, dict[str, int]]], role: bool) -> list[list[str]]:
        return [
            [w.word(f"oversight.role.{k}", k) if role else escape(k)]
            + [w.number(counts[c]) for c in ACCESS_COLUMNS]
            for k, counts in items
        ]

    return (
        f"<h2>{w('ethics.access.title')}</h2><p>{w('ethics.access.help')}</p>"
        f"<h3>{w('ethics.access.by_role')}</h3>"
        + table(w, ("role", *ACCESS_COLUMNS), rows(r.access_by_role, True), empty="ethics.none")
        + f"<h3>{w('ethics.access.by_camera')}</h3>"
        + table(
            w, ("camera", *ACCESS_COLUMNS), rows(r.access_by_camera, False), empty="ethics.none"
        )
    )


def unusual(r: Report, w: Words) -> str:
    """Accesses flagged as unusual, and how each was closed."""
    rows = [
        [
            w.when(u.at),
            _text(u.user),
            w.word(f"oversight.role.{u.role}", u.role or "—"),
            escape(u.action),
            _text(u.camera_id),
            "; ".join(w.word(f"ethics.flag.{f.replace(' ', '_')}", f) for f in u.flags),
            escape(u.closure) if u.closure else w("ethics.unusual.not_closed"),
        ]
        for u in r.unusual[:MAX_LINES]
    ]
    count = w("ethics.unusual.count", count=w.clock.count(len(r.unusual)))
    columns = ("at", "user", "role", "action", "camera", "flags", "closure")
    return f"<h2>{w('ethics.unusual.title')}</h2><p>{count}</p>" + table(
        w, columns, rows, empty="ethics.unusual.none"
    )


def analytics(r: Report, w: Words) -> str:
    """Analytics authorisations in force in the period, with legal basis and end date."""
    rows = [
        [escape(a.camera_id), _text(a.legal_basis), w.day(a.end_date), escape(", ".join(a.rules))]
        for a in r.analytics
    ]
    return f"<h2>{w('ethics.analytics.title')}</h2>" + table(
        w, ("camera", "legal_basis", "end_date", "rules"), rows, empty="ethics.analytics.none"
    )


def training(r: Report, w: Words) -> str:
    """Authorisations held in the period by agents with no data-protection training date,
    deactivated accounts included: who granted which cameras, since when."""
    rows = [
        [
            escape(a.account),
            w.word(f"oversight.role.{a.role.value}", a.role.value),
            escape(", ".join(a.cameras)),
            _text(a.granted_by),
            w.day(a.granted_at),
            w("ethics.training.active") if a.active else w("ethics.training.inactive"),
            _flag(w, "ethics.training.missing"),
        ]
        for a in r.untrained[:MAX_LINES]
    ]
    count = w("ethics.training.count", count=w.clock.count(len(r.untrained)))
    columns = ("account", "role", "cameras", "granted_by", "held_since", "state", "training")
    head = f"<h2>{w('ethics.training.title')}</h2><p>{count}</p>"
    return head + table(w, columns, rows, empty="ethics.training.none")


def chain(r: Report, w: Words) -> str:
    """The access log's chain verification."""
    head = f"<h2>{w('ethics.chain.title')}</h2>"
    c = r.chain
    if c is None:
        return head + f'<p class="empty">{w("ethics.chain.not_run")}</p>'
    verdict = (
        f'<span class="ok">{w("ethics.chain.ok")}</span>'
        if c.ok
        else _flag(w, "ethics.chain.broken", count=w.clock.count(c.problem_count))
    )
    facts = w(
        "ethics.chain.facts",
        entries=w.number(c.entries),
        checkpoints=w.number(c.checkpoints),
        at=w.when(c.checked_at),
        latest=w.when(c.latest_checkpoint_at),
    )
    problems = "".join(f"<li>{escape(p)}</li>" for p in c.problems[:20])
    return head + f"<p>{verdict}</p><p>{facts}</p>" + (f"<ul>{problems}</ul>" if problems else "")


ALL: tuple[Callable[[Report, Words], str], ...] = (
    inventory,
    recordings,
    requests,
    exports,
    accesses,
    unusual,
    analytics,
    training,
    chain,
)
