// The privacy officer's page: search the access log, summaries, export, chain verification, and
// the privacy-zone changes awaiting confirmation (drawn on a blank frame).
// It shows no video and no picture of any camera, by design.
import { api, clearError, showError } from "/static/common/api.js";
import "/static/common/banner.js";
import { el } from "/static/common/dom.js";
import { formatDateTime, formatNumber, has, t } from "/static/common/i18n.js";
import { isoOf, localTime, query, roleName, signedInAs } from "/static/oversight/gate.js";
import { setUpZoneChanges } from "/static/oversight/zone_changes.js";

const $ = (id) => document.getElementById(id);
const state = { offset: 0, total: 0 };
// The server's unusual-access flags, as the page's language words them.
const FLAGS = { "outside usual hours": "audit.flag.outside_hours", "far more views than usual": "audit.flag.many_views" };

function period() {
  return { since: isoOf($("f-since")), until: isoOf($("f-until")) };
}

function filters() {
  return {
    user: $("f-user").value.trim(),
    camera: $("f-camera").value,
    action: $("f-action").value.trim(),
    outcome: $("f-outcome").value,
    ...period(),
  };
}

function flags(list) {
  return list.map((text) => el("span", { class: "flag", "data-flag": text }, FLAGS[text] ? t(FLAGS[text]) : text));
}

function outcomeName(outcome) {
  return has(`audit.outcome.${outcome}`) ? t(`audit.outcome.${outcome}`) : outcome;
}

function detailsText(details) {
  const text = Object.keys(details).length ? JSON.stringify(details) : "";
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}

function entryRow(e) {
  const row = el(
    "tr",
    { class: e.unusual.length ? "unusual" : null, "data-seq": e.seq },
    el("td", {}, String(e.seq)),
    el("td", {}, el("time", { datetime: e.at }, localTime(e.at))),
    el("td", {}, e.user || "—"),
    el("td", { "data-role": e.role || "" }, e.role ? roleName(e.role) : ""),
    el("td", { class: "action" }, e.action),
    el("td", {}, e.camera_id || ""),
    el("td", { class: `outcome-${e.outcome}`, "data-outcome": e.outcome }, outcomeName(e.outcome)),
    el("td", {}, e.reason || ""),
    el("td", {}, e.client || ""),
    el("td", { class: "muted", title: JSON.stringify(e.details) }, detailsText(e.details)),
    el("td", {}, ...flags(e.unusual)),
  );
  return row;
}

async function search() {
  const button = $("search-button");
  const limit = Number($("f-limit").value);
  try {
    const page = await api(`/api/audit/access${query({ ...filters(), limit, offset: state.offset })}`);
    clearError(button);
    state.total = page.total;
    $("results").tBodies[0].replaceChildren(...page.items.map(entryRow));
    const last = Math.min(state.offset + page.items.length, page.total);
    $("page-info").textContent = page.total
      ? t("audit.pager.range", { first: state.offset + 1, last, total: page.total })
      : t("audit.pager.none");
    $("prev").disabled = state.offset === 0;
    $("next").disabled = last >= page.total;
  } catch (error) {
    showError(button, error);
  }
}

function duration(seconds) {
  if (!seconds) return "";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return t("audit.duration.minutes", { minutes });
  return t("audit.duration.hours", { hours: Math.floor(minutes / 60), minutes: minutes % 60 });
}

async function summary() {
  const button = $("summary-button");
  const by = $("s-by").value;
  const until = new Date();
  const since = new Date(until.getTime() - Number($("s-days").value) * 86400000);
  try {
    const answer = await api(
      `/api/audit/summary${query({ by, since: since.toISOString(), until: until.toISOString() })}`,
    );
    clearError(button);
    $("s-key-head").textContent = t(by === "camera" ? "audit.summary.camera" : "audit.summary.user");
    $("s-who-head").textContent = t(by === "camera" ? "audit.summary.users" : "audit.summary.cameras");
    const rows = answer.items.map((s) =>
      el(
        "tr",
        { class: s.unusual.length ? "unusual" : null, "data-key": s.key },
        el("td", {}, s.key),
        el("td", {}, String(s.entries)),
        el("td", {}, String(s.views)),
        el("td", {}, duration(s.live_seconds)),
        el("td", { class: s.denied ? "outcome-denied" : null }, String(s.denied)),
        el("td", {}, (by === "camera" ? s.users : s.cameras).join(", ")),
        el("td", {}, el("time", { datetime: s.last_at }, localTime(s.last_at))),
        el("td", {}, ...flags(s.unusual)),
      ),
    );
    if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: 8, class: "muted" }, t("audit.summary.nothing"))));
    $("summary").tBodies[0].replaceChildren(...rows);
  } catch (error) {
    showError(button, error);
  }
}

function describeKey(v) {
  if (!v.latest_key_fingerprint) return "";
  const pin = t(v.key_pinned ? "audit.verify.pinned" : "audit.verify.not_pinned");
  return t("audit.verify.key", { fingerprint: v.latest_key_fingerprint, pin });
}

function checkpointText(v) {
  // Worded here so that its time is on the site's clock (the server's own text is in UTC).
  if (!v.latest_checkpoint_at) return v.latest_checkpoint;
  const kind = v.latest_checkpoint_kind;
  const words = has(`audit.checkpoint_kind.${kind}`) ? t(`audit.checkpoint_kind.${kind}`) : kind;
  return t("audit.verify.checkpoint", { at: formatDateTime(v.latest_checkpoint_at, { seconds: true }), kind: words });
}

function describeVerification(v) {
  const seconds = formatNumber(v.seconds, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const checked = t("audit.verify.checked", { at: localTime(v.checked_at), seconds });
  if (!v.ok) return t("audit.verify.broken", { count: v.problem_count, checked });
  if (!v.entries) return t("audit.verify.empty", { checked });
  const signed = v.latest_checkpoint
    ? t("audit.verify.newest", { checkpoint: checkpointText(v), count: v.unsigned_entries })
    : t("audit.verify.no_checkpoint");
  return t("audit.verify.intact", {
    entries: v.entries, first: v.first_seq, last: v.last_seq, checkpoints: v.checkpoints, signed, checked,
  });
}

async function verify(fresh) {
  const button = $("verify-now");
  const status = $("verify-status");
  button.disabled = true;
  if (fresh) status.textContent = t("audit.verify.running");
  try {
    const v = await api(`/api/audit/verify${query({ fresh: fresh ? "true" : "" })}`);
    clearError(button);
    status.textContent = describeVerification(v);
    status.className = v.ok ? "status-ok" : "status-broken";
    status.dataset.ok = String(v.ok);
    $("verify-key").textContent = describeKey(v);
    const more = v.problem_count - v.problems.length;
    const lines = more > 0 ? [...v.problems, t("audit.verify.more", { count: more })] : v.problems;
    $("verify-problems").replaceChildren(...lines.map((line) => el("li", {}, line)));
  } catch (error) {
    showError(button, error);
  } finally {
    button.disabled = false;
  }
}

async function exportLog(button) {
  const format = button.dataset.format;
  button.disabled = true;
  try {
    const response = await api(`/api/audit/export${query({ format, ...period() })}`, { raw: true });
    const blob = await response.blob();
    const disposition = response.headers.get("content-disposition") || "";
    const name = (disposition.match(/filename="([^"]+)"/) || [])[1] || `access-log.${format}`;
    const link = el("a", { href: URL.createObjectURL(blob), download: name });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
    clearError(button);
  } catch (error) {
    showError(button, error);
  } finally {
    button.disabled = false;
  }
}

async function fillChoices() {
  // Camera names only (metadata): the privacy officer may list cameras, never see them.
  try {
    const cameras = await api("/api/cameras");
    $("f-camera").append(...cameras.map((c) => el("option", { value: c.id }, `${c.name} (${c.id})`)));
    return cameras;
  } catch (error) {
    showError($("f-camera"), error);
    return [];
  }
}

function wire() {
  $("search").addEventListener("submit", (event) => {
    event.preventDefault();
    state.offset = 0;
    search();
  });
  $("prev").addEventListener("click", () => {
    state.offset = Math.max(0, state.offset - Number($("f-limit").value));
    search();
  });
  $("next").addEventListener("click", () => {
    state.offset += Number($("f-limit").value);
    search();
  });
  $("summary-form").addEventListener("submit", (event) => {
    event.preventDefault();
    summary();
  });
  $("verify-now").addEventListener("click", () => verify(true));
  for (const button of [$("export-csv"), $("export-jsonl")]) {
    button.addEventListener("click", () => exportLog(button));
  }
  // Back from an outage: show current data again.
  window.addEventListener("csu:reconnected", () => {
    search();
    summary();
  });
}

async function start() {
  const who = await signedInAs(["privacy_officer"], t("audit.only"));
  if (!who) return;
  wire();
  const cameras = await fillChoices();
  const loadChanges = setUpZoneChanges($("zone-changes"), {
    me: who,
    cameraName: (id) => (cameras.find((c) => c.id === id) || { name: id }).name,
    snapshot: false,
    onDecided: search,
  });
  window.addEventListener("csu:reconnected", loadChanges);
  await Promise.all([search(), summary(), verify(false), loadChanges()]);
  document.body.dataset.ready = "true";
}

start();
