// The Forum's kiosk: the city's map with each district coloured by the state of the hypervisor's
// eight services, as it was a delay ago, and the centre's day in numbers. Public screen: it shows
// only what /api/forum/state gives (districts, counts, a rounded time), refreshed every minute.
import { api, showError, clearError } from "/static/common/api.js";
import { drawMap } from "/static/common/map.js";
import { mercator } from "/static/common/map_layout.js";
import { formatNumber, formatTime, language, languageSwitch, setLanguage, siteLanguage, t } from "/static/common/i18n.js";

const REFRESH_MS = 60_000;
// A visitor's language stays until the kiosk is left alone; then it speaks the site's again
// (`?idle=` seconds, for tests).
const IDLE_MS = (Number(new URLSearchParams(location.search).get("idle")) || 180) * 1000;
const $ = (id) => document.getElementById(id);
let settings = {};
let state = null;
let chosen = null; // the district whose services the panel shows (null: the whole city)

function area(districts) {
  // The districts' centres, with a margin so that the outer ones are whole on the map.
  const points = districts.map((d) => mercator(d.lat, d.lon));
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const pad = (Math.max(...xs) - Math.min(...xs)) * 0.08;
  return { x0: Math.min(...xs) - pad, x1: Math.max(...xs) + pad, y0: Math.min(...ys) - pad, y1: Math.max(...ys) + pad };
}

function drawCity() {
  const host = $("map");
  const markers = state.districts.map((d) => ({
    id: d.id, lat: d.lat, lon: d.lon, label: d.name, kind: "district", severity: d.level,
    title: `${d.name} : ${t(`forum.level.${d.level}`)}`,
  }));
  const svg = drawMap({
    markers, settings, area: area(state.districts),
    width: host.clientWidth || 1200, height: host.clientHeight || 800,
    onSelect: (_kind, id) => { chosen = chosen === id ? null : id; render(); },
  });
  for (const group of svg.querySelectorAll("g.district")) {
    group.classList.toggle("chosen", group.dataset.id === chosen);
  }
  host.replaceChildren(svg);
}

function item(label, value, level) {
  const li = document.createElement("li");
  li.className = `level-${level || "none"}`;
  const name = document.createElement("span");
  name.className = "name";
  name.textContent = label;
  const figure = document.createElement("span");
  figure.className = "figure";
  figure.textContent = value;
  li.append(name, figure);
  return li;
}

function drawServices() {
  const district = state.districts.find((d) => d.id === chosen);
  const services = district ? district.services : state.city;
  $("district-name").textContent = district ? district.name : t("forum.services.city");
  $("services").replaceChildren(...state.services.map((s) => {
    const { level, open } = services[s];
    const li = item(t(`forum.service.${s}`), t(`forum.level.${level}`), level);
    li.dataset.service = s;
    li.title = t("forum.services.open", { count: open });
    return li;
  }));
}

function drawActivity() {
  const { activity } = state;
  $("activity-total").textContent = t("forum.activity.total", { count: activity.total, number: formatNumber(activity.total) });
  $("activity").replaceChildren(...state.services.map((s) => {
    const li = item(t(`forum.service.${s}`), formatNumber(activity.handled[s]));
    li.dataset.service = s;
    return li;
  }));
}

function drawLegend() {
  $("legend").replaceChildren(...["ok", "watch", "alert"].map((level) => item(t(`forum.level.${level}`), "", level)));
}

function render() {
  $("as-of").textContent = t("forum.as_of", { time: formatTime(new Date(state.as_of)), minutes: state.delay_minutes });
  drawCity();
  drawServices();
  drawActivity();
}

function fillPlaces() {
  const select = $("remark-place");
  if (select.options.length) return;
  select.append(...state.districts.map((d) => new Option(d.name, d.id)));
}

async function drawPublished() {
  // Published remarks (moderated by staff), each under its district's name; an absent
  // remarks service leaves the list hidden.
  const remarks = await api("/api/forum/remarks").catch(() => null);
  if (!Array.isArray(remarks)) return;
  const near = (r) => state.districts.reduce((best, d) =>
    (Math.hypot(d.lat - r.lat, d.lon - r.lon) < Math.hypot(best.lat - r.lat, best.lon - r.lon) ? d : best));
  $("published").replaceChildren(...remarks.slice(0, 5).map((r) => {
    const li = item(r.text, near(r).name);
    li.classList.add("remark");
    return li;
  }));
  $("published-box").hidden = remarks.length === 0;
}

async function refresh() {
  try {
    state = await api("/api/forum/state");
    clearError($("as-of"));
    fillPlaces();
    render();
    await drawPublished();
    document.body.dataset.ready = "true";
  } catch (error) {
    showError($("as-of"), error); // the last state stays on screen
  }
}

async function sendRemark(event) {
  event.preventDefault();
  const district = state && state.districts.find((d) => d.id === $("remark-place").value);
  if (!district) return;
  const contact = $("remark-contact").value.trim();
  const body = { lat: district.lat, lon: district.lon, text: $("remark-text").value.trim(),
    consent: $("remark-consent").checked };
  if (contact) body.contact = contact;
  try {
    await api("/api/forum/remarks", { method: "POST", body });
    clearError($("remark-send"));
    $("remark-form").reset();
    $("remark-done").textContent = t("forum.remark.thanks");
  } catch (error) {
    showError($("remark-send"), error);
  }
}

function backToSiteLanguage() {
  let timer = null;
  const rearm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => setLanguage(siteLanguage), IDLE_MS);
  };
  for (const kind of ["pointerdown", "keydown", "input"]) document.addEventListener(kind, rearm);
  rearm();
}

$("language").append(languageSwitch());
if (language !== siteLanguage) backToSiteLanguage();
$("remark-form").addEventListener("submit", sendRemark);
window.addEventListener("resize", () => state && drawCity());
settings = await api("/api/forum/map").catch(() => ({}));
drawLegend();
await refresh();
setInterval(refresh, REFRESH_MS);
