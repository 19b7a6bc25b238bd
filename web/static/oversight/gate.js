// Who may use this page: anyone else gets a plain "not allowed" and nothing else of the page.
import { logout, me } from "/static/common/api.js";

/** The signed-in user if their role is allowed here, else null (the refusal is shown). */
export async function signedInAs(allowed, what) {
  const who = await me();
  document.getElementById("who").textContent = `${who.username} (${who.role.replace("_", " ")})`;
  document.getElementById("logout").addEventListener("click", () => logout());
  if (allowed.includes(who.role)) {
    document.getElementById("page").hidden = false;
    return who;
  }
  const refusal = document.getElementById("not-allowed");
  refusal.textContent = `Not allowed: ${what}. You are signed in as ${who.username}, whose role is ${who.role.replace("_", " ")}.`;
  refusal.hidden = false;
  return null;
}

/** ISO UTC text for a datetime-local input's value (read as local time), or undefined. */
export function isoOf(input) {
  return input.value ? new Date(input.value).toISOString() : undefined;
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

/** A moment as the viewer's local date and time. */
export function localTime(iso) {
  return iso ? new Date(iso).toLocaleString([], { hour12: false }) : "";
}
