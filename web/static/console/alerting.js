// Alerting: a new incident or alarm at or above the severity the user chose plays a sound
// (one per severity), badges the tab title and may raise a desktop notification; an
// unacknowledged critical incident rings again until someone acknowledges it.
import { el } from "/static/common/dom.js";
import { t } from "/static/common/i18n.js";

const SEVERITIES = ["informational", "low", "medium", "high", "critical"];
const SOUNDS = { informational: "low", low: "low", medium: "medium", high: "high", critical: "critical" };
const REPEAT_MS = 15000;
const QUIET_MS = 3000; // a burst of alarms on one incident rings once
const rank = (severity) => SEVERITIES.indexOf(severity);

function loadSettings(key) {
  try {
    const saved = JSON.parse(localStorage.getItem(key) || "{}");
    return { threshold: SEVERITIES.includes(saved.threshold) ? saved.threshold : "high", notify: saved.notify === true };
  } catch (_) {
    return { threshold: "high", notify: false };
  }
}

export class Alerting {
  /** `header` receives the controls; `onBlocked` is told when the browser refuses to play. */
  constructor(header) {
    this.header = header;
    this.baseTitle = document.title;
    this.settings = { threshold: "high", notify: false };
    this.key = null;
    this.lastRing = new Map();
    this.incidents = [];
    this.audio = {};
    for (const name of new Set(Object.values(SOUNDS))) {
      const audio = el("audio", { src: `/static/sounds/${name}.wav`, preload: "auto", "data-sound": name });
      this.audio[name] = audio;
      document.body.append(audio);
    }
    this.blocked = el("button", { type: "button", id: "sound-blocked", hidden: true }, t("alerting.blocked"));
    this.blocked.addEventListener("click", () => { this.blocked.hidden = true; this.ring("medium", true); });
    setInterval(() => this.repeat(), REPEAT_MS);
  }

  /** The signed-in user's own settings, and the controls to change them. */
  setUser(username) {
    this.key = `csu.alerting.${username}`;
    this.settings = loadSettings(this.key);
    const select = el("select", { id: "alert-threshold", "aria-label": t("alerting.threshold") },
      ...SEVERITIES.map((s) => el("option", { value: s, selected: s === this.settings.threshold }, t(`alerting.severity.${s}`))));
    select.addEventListener("change", () => this.save({ threshold: select.value }));
    const notify = el("input", { type: "checkbox", id: "alert-notify", checked: this.settings.notify });
    notify.addEventListener("change", () => this.enableNotifications(notify));
    const label = el("label", { class: "alerting" }, t("alerting.threshold_short"), " ", select);
    const notifyLabel = el("label", { class: "alerting" }, notify, " ", t("alerting.notify"));
    this.header.querySelector("#who").before(label, notifyLabel, this.blocked);
  }

  save(change) {
    Object.assign(this.settings, change);
    if (this.key) localStorage.setItem(this.key, JSON.stringify(this.settings));
    this.badge();
  }

  async enableNotifications(box) {
    if (box.checked && "Notification" in window && Notification.permission !== "granted") {
      box.checked = (await Notification.requestPermission()) === "granted";
    }
    this.save({ notify: box.checked });
  }

  loud(severity) {
    return rank(severity) >= rank(this.settings.threshold);
  }

  /** An incident opened or received alarms: ring, notify, badge. */
  incidentEvent(incident, change) {
    if (!["opened", "alarms"].includes(change) || !this.loud(incident.severity)) return;
    const last = this.lastRing.get(incident.id) || 0;
    if (Date.now() - last < QUIET_MS) return;
    this.lastRing.set(incident.id, Date.now());
    this.ring(SOUNDS[incident.severity] || "low");
    this.notify(incident, change);
  }

  /** The open incidents changed: the title's badge follows the unacknowledged loud ones. */
  track(incidents) {
    this.incidents = incidents;
    this.badge();
  }

  waiting() {
    return this.incidents.filter((i) => i.open !== false && i.status === "new" && this.loud(i.severity));
  }

  badge() {
    const count = this.waiting().length;
    document.title = count ? `(${count}) ${this.baseTitle}` : this.baseTitle;
  }

  repeat() {
    const critical = this.incidents.some((i) => i.open !== false && i.status === "new" && i.severity === "critical");
    if (critical) this.ring("critical");
  }

  ring(name, fromClick = false) {
    const audio = this.audio[name];
    audio.currentTime = 0;
    audio.play().then(() => { this.blocked.hidden = true; }, (error) => {
      // Browsers refuse sound until the user has touched the page once: say so, visibly.
      if (!fromClick && error.name === "NotAllowedError") this.blocked.hidden = false;
    });
  }

  notify(incident, change) {
    if (!this.settings.notify || !("Notification" in window) || Notification.permission !== "granted") return;
    const title = t(change === "opened" ? "alerting.notification.opened" : "alerting.notification.alarms", { id: incident.id });
    new Notification(title, { body: incident.title, tag: `incident-${incident.id}`, requireInteraction: incident.severity === "critical" });
  }
}
