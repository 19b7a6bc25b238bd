// The ethics committee's report form: a period on the site's clock, then the printable page
// (a new tab, printed from the browser) or the signed PDF (downloaded, its SHA-256 shown).
import { api, clearError, showError } from "/static/common/api.js";
import { t, toSiteInput } from "/static/common/i18n.js";
import { isoOf, query } from "/static/oversight/gate.js";

const $ = (id) => document.getElementById(id);
const YEAR_MS = 365 * 24 * 3600 * 1000;

function reportUrl(format) {
  return `/api/reports/ethics${query({ since: isoOf($("r-since")), until: isoOf($("r-until")), format })}`;
}

function fileName(response, fallback) {
  const found = /filename="([^"]+)"/.exec(response.headers.get("content-disposition") || "");
  return found ? found[1] : fallback;
}

async function downloadPdf(button) {
  const status = $("report-status");
  status.textContent = t("ethics.form.making");
  const response = await api(reportUrl("pdf"), { raw: true });
  const blob = await response.blob();
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = fileName(response, "rapport-ethique.pdf");
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
  status.textContent = t("ethics.form.signed", { sha256: response.headers.get("x-content-sha256") || "—" });
  button.focus();
}

async function ask(event) {
  event.preventDefault();
  const form = $("report-form");
  const button = event.submitter || $("report-html");
  clearError(form);
  if (!isoOf($("r-since")) || !isoOf($("r-until"))) {
    showError(form, t("ethics.form.period_needed"));
    return;
  }
  if (button.dataset.format === "html") {
    // The page itself is the answer: opened as the server serves it, under its own strict policy.
    window.open(reportUrl("html"), "_blank", "noopener");
    return;
  }
  button.disabled = true;
  try {
    await downloadPdf(button);
  } catch (error) {
    $("report-status").textContent = "";
    showError(form, error);
  } finally {
    button.disabled = false;
  }
}

function setUp() {
  const form = $("report-form");
  if (!form) return;
  const now = new Date();
  $("r-until").value = toSiteInput(now);
  $("r-since").value = toSiteInput(new Date(now.getTime() - YEAR_MS));
  form.addEventListener("submit", ask);
}

setUp();
