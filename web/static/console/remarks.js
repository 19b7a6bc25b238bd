// "Remarques du Forum": the remarks visitors left at the Forum's kiosk, waiting for moderation.
// Shown to those with the remark.moderate right (supervisors, administrators): each pending
// remark's text, place and time received on the site's clock, published in one click or
// refused with a reason. Every listing and decision is written to the access log by the server.
import { api, me, showError, clearError } from "../common/api.js";
import { el } from "../common/dom.js";
import { t, formatDateTime, formatNumber } from "../common/i18n.js";

const RIGHT = "remark.moderate";
const button = document.getElementById("remarks-button");
const dialog = document.getElementById("remarks-dialog");
const list = document.getElementById("remarks-list");

function place(remark) {
  const degrees = { minimumFractionDigits: 4, maximumFractionDigits: 4 };
  return t("remarks.place", { lat: formatNumber(remark.lat, degrees), lon: formatNumber(remark.lon, degrees) });
}

function refusal(remark) {
  const reason = el("input", { type: "text", name: "reason", required: true, maxlength: "500", "aria-label": t("remarks.reason"), placeholder: t("remarks.reason") });
  const form = el("form", { class: "remark-refusal" }, reason, el("button", { type: "submit", class: "remark-refuse" }, t("remarks.refuse")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    decide(remark, "refuse", { reason: reason.value }, reason);
  });
  return form;
}

function item(remark) {
  const publish = el("button", { type: "button", class: "remark-publish" }, t("remarks.publish"));
  publish.addEventListener("click", () => decide(remark, "publish", undefined, publish));
  return el(
    "li",
    { class: "remark", "data-remark": String(remark.id) },
    el("p", { class: "remark-text" }, remark.text),
    el("p", { class: "remark-meta" },
      el("span", { class: "remark-place" }, place(remark)), " · ",
      el("time", { datetime: remark.received_at }, t("remarks.received", { time: formatDateTime(remark.received_at) })),
      remark.has_contact ? el("span", { class: "remark-contact" }, ` · ${t("remarks.has_contact")}`) : null),
    el("div", { class: "remark-actions" }, publish, refusal(remark)),
  );
}

async function decide(remark, verb, body, anchor) {
  try {
    await api(`/api/remarks/${remark.id}/${verb}`, { method: "POST", body });
    clearError(anchor);
    await refresh();
  } catch (error) {
    showError(anchor, error);
  }
}

/** Read the pending remarks again and show them (the button says how many wait). */
async function refresh() {
  const pending = await api("/api/remarks?status=pending");
  list.replaceChildren(...(pending.length ? pending.map(item) : [el("li", { class: "placeholder" }, t("remarks.empty"))]));
  button.textContent = t("remarks.button", { count: pending.length });
  dialog.dataset.ready = "true";
}

const user = await me();
if (user.rights && user.rights.includes(RIGHT)) {
  button.textContent = t("remarks.title");
  button.hidden = false;
  button.addEventListener("click", () => {
    dialog.showModal();
    refresh().catch((error) => showError(list, error));
  });
  document.getElementById("remarks-close").addEventListener("click", () => dialog.close());
  refresh().catch(() => { button.textContent = t("remarks.title"); });
}
