// The signed-in account's console preferences (alerting, grid size, the desk's layout, language),
// kept by the server so that they follow the operator from desk to desk: loaded once after
// sign-in, and each change saved a moment later: one PATCH of the fields changed here, so that
// what the language switch or another desk changed meanwhile is kept.
// The browser keeps no copy of them (the console cannot open without the server anyway, and a
// copy would go stale once the operator changed something at another desk); only this tab keeps
// the changes the server has not confirmed yet (sessionStorage), so that a reload or an outage
// right after a choice does not lose it.
import { api } from "./api.js";

const URL = "/api/me/preferences";
const SAVE_MS = 400;
const DEFAULTS = {
  alerting: { min_severity: "high", sound: true, notify: false },
  grid_size: null,
  desk_layout: [],
  language: null,
};

let current = structuredClone(DEFAULTS);
let timer = null;
let changed = {}; // the fields changed here and not yet saved
let pendingKey = null; // where this tab keeps them until saved: per account

function keepPending() {
  if (!pendingKey) return;
  if (Object.keys(changed).length) sessionStorage.setItem(pendingKey, JSON.stringify(changed));
  else sessionStorage.removeItem(pendingKey);
}

/** Read the account's preferences once, after sign-in (the defaults if the server cannot say),
 * with what this tab changed for `username` and could not save yet. */
export async function loadPreferences(username) {
  try {
    current = { ...structuredClone(DEFAULTS), ...(await api(URL)) };
  } catch (_) {
    current = structuredClone(DEFAULTS); // the page still works; a change is saved as usual
  }
  pendingKey = `csu.preferences.pending.${username}`;
  let pending = null;
  try {
    pending = JSON.parse(sessionStorage.getItem(pendingKey) || "null");
  } catch (_) {
    // unreadable: nothing pending
  }
  if (pending && typeof pending === "object" && !Array.isArray(pending)) setPreferences(pending);
  return current;
}

/** The account's preferences as last loaded or changed here. */
export function preferences() {
  return current;
}

/** Change some preferences (`alerting` may name only some of its fields); saved shortly. */
export function setPreferences(change) {
  current = { ...current, ...change, alerting: { ...current.alerting, ...(change.alerting || {}) } };
  for (const name of Object.keys(change)) changed[name] = current[name];
  keepPending();
  clearTimeout(timer);
  timer = setTimeout(savePreferences, SAVE_MS);
}

/** Save now what changed (also before the page goes, and when the server is back). */
export async function savePreferences() {
  clearTimeout(timer);
  const sending = changed;
  if (!Object.keys(sending).length) return;
  changed = {};
  try {
    await api(URL, { method: "PATCH", body: sending }); // not its answer: a newer change may be here
  } catch (error) {
    // The server is away: saved when it comes back (csu:reconnected). A refusal is a bug here.
    if (error.status === 0) changed = { ...sending, ...changed };
    else console.error("preferences refused", error);
  }
  keepPending();
}

window.addEventListener("csu:reconnected", () => savePreferences());
window.addEventListener("pagehide", () => {
  if (!Object.keys(changed).length) return;
  // A change made just before a reload or sign-out: keepalive lets the request outlive the page.
  fetch(URL, {
    method: "PATCH",
    keepalive: true,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(changed),
  }).catch(() => {});
});

const SEVERITIES = ["informational", "low", "medium", "high", "critical"];
const OLD_KEYS = ["csu.alerting.", "csu.grid.", "csu.desk_layout."];

/** Once: choices an older console kept in this browser become the account's if it has none yet,
 * and leave the browser (the account is their one place now). */
export function adoptBrowserChoices(username) {
  const [alertingKey, gridKey, layoutKey] = OLD_KEYS.map((prefix) => prefix + username);
  const old = [alertingKey, gridKey, layoutKey].map((key) => localStorage.getItem(key));
  if (old.every((value) => value === null)) return;
  for (const key of [alertingKey, gridKey, layoutKey]) localStorage.removeItem(key);
  if (JSON.stringify(current) !== JSON.stringify({ ...DEFAULTS, language: current.language })) return;
  const change = {};
  try {
    const alerting = JSON.parse(old[0] || "{}");
    if (SEVERITIES.includes(alerting.threshold)) change.alerting = { min_severity: alerting.threshold };
    if (alerting.notify === true) change.alerting = { ...change.alerting, notify: true };
    if ([1, 4, 9, 16].includes(Number(old[1]))) change.grid_size = Number(old[1]);
    const layout = JSON.parse(old[2] || "[]");
    if (Array.isArray(layout)) {
      change.desk_layout = layout.filter((id) => typeof id === "string" && id && id.length <= 64).slice(0, 16);
    }
  } catch (_) {
    return; // unreadable: the defaults stay
  }
  setPreferences(change);
}
