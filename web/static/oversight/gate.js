// Who may use this page: anyone else gets a plain "not allowed" and nothing else of the page.
import { logout, me } from "/static/common/api.js";
import { formatDateTime, fromSiteInput, has, languageSwitch, t } from "/static/common/i18n.js";

/** A role as the page's language names it. */
export function roleName(role) {
  return has(`oversight.role.${role}`) ? t(`oversight.role.${role}`) : role.replace("_", " ");
}

/** The signed-in user if their role is allowed here, else null (the refusal is shown). */
export async function signedInAs(allowed, what) {
  const who = await me();
  const role = roleName(who.role);
  document.getElementById("who").textContent = t("oversight.who", { user: who.username, role });
  document.getElementById("who").after(languageSwitch());
  document.getElementById("logout").addEventListener("click", () => logout());
  if (allowed.includes(who.role)) {
    document.getElementById("page").hidden = false;
    return who;
  }
  const refusal = document.getElementById("not-allowed");
  refusal.textContent = t("oversight.not_allowed", { what, user: who.username, role });
  refusal.hidden = false;
  return null;
}

/** ISO UTC text for a datetime-local input's value (read on the site's clock), or undefined. */
export function isoOf(input) {
  const moment = fromSiteInput(input.value);
  return moment ? moment.toISOString() : undefined;
}

/** A query string from the defined values of an object. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(name, value);
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** A moment as dd/mm/yyyy HH:MM on the site's clock ("" for none). */
export function localTime(iso) {
  return iso ? formatDateTime(iso) : "";
}
