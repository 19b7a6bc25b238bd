// The pages' language and clock: texts from csu's one message catalogue (/api/i18n), and every
// date and time on the site's clock (its time zone, 24-hour, dd/mm/yyyy) whatever the browser's.
// Importing this module waits for the catalogue, so t() is ready in every importer.

// The language asked for: before sign-in this browser's choice; once signed in the account's
// (its preferences, which follow the user to any desk), copied here at sign-in and when it
// changes, since the catalogue is fetched before anything else on the page runs.
const CHOICE = "csu.language";
const ACCOUNT_CHOICE = "csu.language.account";
const BEFORE_SIGN_IN = document.documentElement.hasAttribute("data-before-sign-in");
const PREFERENCES = "/api/me/preferences";
const CACHE = "csu.i18n";
const LOCALES = { fr: "fr-FR", en: "en-GB" };
const PARAMETER = /\{(\w+)\}/g;

async function fetchCatalogue() {
  const chosen = (!BEFORE_SIGN_IN && localStorage.getItem(ACCOUNT_CHOICE)) || localStorage.getItem(CHOICE);
  const query = chosen ? `?lang=${encodeURIComponent(chosen)}` : "";
  try {
    const response = await fetch(`/api/i18n${query}`, { credentials: "same-origin" });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const body = await response.json();
    sessionStorage.setItem(CACHE, JSON.stringify(body));
    return body;
  } catch (_) {
    // The server is away: the last catalogue this tab had keeps the page readable.
    const cached = sessionStorage.getItem(CACHE);
    if (cached) return JSON.parse(cached);
    return { language: "fr", site_language: "fr", languages: ["fr", "en"], timezone: "Europe/Paris", site_name: "", messages: {} };
  }
}

const loaded = await fetchCatalogue();
const messages = loaded.messages;

/** The language the page speaks ("fr" or "en"). */
export const language = loaded.language;
/** The languages a user may choose. */
export const languages = loaded.languages;
/** The site's IANA time zone. */
export const timezone = loaded.timezone;
/** The site's name. */
export const siteName = loaded.site_name;
/** The site's own language (the default). */
export const siteLanguage = loaded.site_language;
/** The BCP 47 locale of the page's formats. */
export const locale = LOCALES[language] || "fr-FR";

const plurals = new Intl.PluralRules(locale);

/** The text for `key` with its parameters filled in (a `count` picks the plural form). */
export function t(key, params = {}) {
  let text = messages[key];
  if (typeof params.count === "number" && messages[`${key}_other`] !== undefined) {
    text = messages[`${key}_${plurals.select(params.count)}`] ?? messages[`${key}_other`];
  }
  if (text === undefined) return key;
  return text.replace(PARAMETER, (whole, name) => (name in params ? String(params[name]) : whole));
}

const alarmTypes = loaded.alarm_types || {};

/** An alarm type's label in the page's language (the type's own name if the server has none). */
export function alarmType(name) {
  return alarmTypes[name] || name;
}

/** Every alarm type's name, as the server knows them. */
export function alarmTypeNames() {
  return Object.keys(alarmTypes);
}

/** Whether the catalogue has a text for `key`. */
export function has(key) {
  return key in messages || `${key}_other` in messages;
}

const ATTRIBUTES = ["title", "aria-label", "placeholder", "alt"];

/** Put the catalogue's texts into the elements that name a key (data-i18n, data-i18n-title...). */
export function applyI18n(root = document) {
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const attribute of ATTRIBUTES) {
    for (const node of root.querySelectorAll(`[data-i18n-${attribute}]`)) {
      node.setAttribute(attribute, t(node.getAttribute(`data-i18n-${attribute}`)));
    }
  }
}

function formatter(options) {
  return new Intl.DateTimeFormat(locale, { timeZone: timezone, hourCycle: "h23", ...options });
}

const DATE = formatter({ day: "2-digit", month: "2-digit", year: "numeric" });
const TIME = formatter({ hour: "2-digit", minute: "2-digit" });
const TIME_SECONDS = formatter({ hour: "2-digit", minute: "2-digit", second: "2-digit" });
const PARTS = formatter({
  year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
});

const asDate = (moment) => (moment instanceof Date ? moment : new Date(moment));

/** dd/mm/yyyy on the site's clock. */
export function formatDate(moment) {
  return DATE.format(asDate(moment));
}

/** HH:MM (or HH:MM:SS) on the site's clock. */
export function formatTime(moment, { seconds = false } = {}) {
  return (seconds ? TIME_SECONDS : TIME).format(asDate(moment));
}

/** dd/mm/yyyy HH:MM (or HH:MM:SS) on the site's clock. */
export function formatDateTime(moment, { seconds = false } = {}) {
  return `${formatDate(moment)} ${formatTime(moment, { seconds })}`;
}

/** A number as the page's language writes it. */
export function formatNumber(value, options = {}) {
  return new Intl.NumberFormat(locale, options).format(value);
}

function siteFields(moment) {
  const fields = {};
  for (const part of PARTS.formatToParts(moment)) fields[part.type] = part.value;
  return fields;
}

// The site's UTC offset at a moment, in milliseconds.
function offsetAt(moment) {
  const f = siteFields(moment);
  const asUtc = Date.UTC(+f.year, +f.month - 1, +f.day, +f.hour % 24, +f.minute, +f.second);
  return asUtc - Math.floor(moment.getTime() / 1000) * 1000;
}

/** The value a datetime-local input shows for a moment, on the site's clock (yyyy-mm-ddTHH:MM[:SS]). */
export function toSiteInput(moment, { seconds = false } = {}) {
  const f = siteFields(asDate(moment));
  const value = `${f.year}-${f.month}-${f.day}T${f.hour % 24 === 0 ? "00" : f.hour}:${f.minute}`;
  return seconds ? `${value}:${f.second}` : value;
}

/** The moment a datetime-local input's value names on the site's clock; null if empty or invalid. */
export function fromSiteInput(value) {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value || "");
  if (!match) return null;
  const [, y, mo, d, h, mi, s] = match;
  const wall = Date.UTC(+y, +mo - 1, +d, +h, +mi, +(s || 0));
  // Twice: the offset at the first guess may be the other side of a daylight-saving change.
  let moment = new Date(wall - offsetAt(new Date(wall)));
  moment = new Date(wall - offsetAt(moment));
  return Number.isNaN(moment.getTime()) ? null : moment;
}

/** Speak another language from now on, reloading the page: this browser's choice before
 * sign-in, the account's after (kept by the server, changed alone so nothing else is undone). */
export async function setLanguage(choice) {
  if (BEFORE_SIGN_IN) {
    localStorage.setItem(CHOICE, choice);
  } else {
    localStorage.setItem(ACCOUNT_CHOICE, choice);
    await fetch(PREFERENCES, {
      method: "PATCH",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ language: choice }),
    }).catch(() => {}); // the server is away: this browser speaks it anyway
  }
  sessionStorage.removeItem(CACHE);
  location.reload();
}

/** The signed-in account's language (null: none of its own) becomes this browser's copy of it;
 * true when that changes the page's language, which then reloads if `reload`. */
export function followAccountLanguage(choice, { reload = true } = {}) {
  if (choice) localStorage.setItem(ACCOUNT_CHOICE, choice);
  else localStorage.removeItem(ACCOUNT_CHOICE);
  const asked = choice || localStorage.getItem(CHOICE) || loaded.site_language;
  if (asked === language) return false;
  sessionStorage.removeItem(CACHE);
  if (reload) location.reload();
  return true;
}

/** A small select that switches the page's language. */
export function languageSwitch() {
  const select = document.createElement("select");
  select.className = "language-switch";
  select.setAttribute("aria-label", t("common.language"));
  for (const choice of languages) {
    const option = new Option(t(`common.language.${choice}`), choice, false, choice === language);
    select.append(option);
  }
  select.addEventListener("change", () => setLanguage(select.value));
  return select;
}

document.documentElement.lang = language;
applyI18n();
