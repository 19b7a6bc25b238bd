// Alerting: a new incident or alarm at or above the severity the user chose plays a sound
// (one per severity), badges the tab title and may raise a desktop notification; an
// unacknowledged critical incident rings again until someone acknowledges it. The settings are
// the account's (preferences.js): they follow the operator to any desk.
import { el } from "/static/common/dom.js";
import { t } from "/static/common/i18n.js";
import { preferences, setPreferences } from "/static/common/preferences.js";

const SEVERITIES = ["informational", "low", "medium", "high", "critical"];
const SOUNDS = { informational: "low", low: "low", medium: "medium", high: "high", critical: "critical" };
const REPEAT_MS = 15000;
const QUIET_MS = 3000; // a burst of alarms on one incident rings once
const rank = (severity) => SEVERITIES.indexOf(severity);

export class Alerting {
  /** `header` receives the controls; `onBlocked` is told when the browser refuses to play. */
  constructor(header) {
    this.header = header;
    this.baseTitle = document.title;
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

  /** The account's settings: { min_severity, sound, notify }. */
  get settings() {
    return preferences().alerting;
  }

  /** The controls of the signed-in account's settings (once its preferences are loaded). */
  showControls() {
    const select = el("select", { id: "alert-threshold", "aria-label": t("alerting.threshold") },
      ...SEVERITIES.map((s) => el("option", { value: s, selected: s === this.settings.min_severity }, t(`alerting.severity.${s}`))));
    select.addEventListener("change", () => this.save({ min_severity: select.value }));
    const sound = el("input", { type: "checkbox", id: "alert-sound", checked: this.settings.sound });
    sound.addEventListener("change", () => this.save({ sound: sound.checked }));
    const notify = el("input", { type: "checkbox", id: "alert-notify", checked: this.settings.notify });
    notify.addEventListener("change", () => this.enableNotifications(notify));
    const label = el("label", { class: "alerting" }, t("alerting.threshold_short"), " ", select);
    const soundLabel = el("label", { class: "alerting" }, sound, " ", t("alerting.sound"));
    const notifyLabel = el("label", { class: "alerting" }, notify, " ", t("alerting.notify"));
    this.header.querySelector("#who").before(label, soundLabel, notifyLabel, this.blocked);
  }

  save(change) {
    setPreferences({ alerting: change });
    if (change.sound === false) this.blocked.hidden = true; // nothing to unblock
    this.badge();
  }

  async enableNotifications(box) {
    if (box.checked && "Notification" in window && Notification.permission !== "granted") {
      box.checked = (await Notification.requestPermission()) === "granted";
    }
    this.save({ notify: box.checked });
  }

  loud(severity) {
    return rank(severity) >= rank(this.settings.min_severity);
  }

  /** An incident opened or received alarms: ring, notify, badge. */
  incidentEvent(incident, change) {
    if (!["opened", "alarms"].includes(change) || !this.loud(incident.severity)) return;
    const last = this.lastRing.get(incident.id) || 0;
    if (Date.now() - last < QUIET_MS) return;
    this.lastRing.set(incident.id, Date.now());
    if (this.settings.sound) this.ring(SOUNDS[incident.severity] || "low");
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
    if (critical && this.settings.sound) this.ring("critical");
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
