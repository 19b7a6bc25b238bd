// Every call to the csu API: JSON in and out, errors in plain words, sign-in when a session ends,
// and the connection banner while the server cannot be reached.
import { connectionBack, connectionLost } from "./banner.js";
import { el } from "./dom.js";
import { language, t } from "./i18n.js";

const PROBE_MS = 2000;
let probe = null;

const HOME = {
  operator: "/console",
  supervisor: "/console",
  crisis: "/crisis",
  admin: "/admin",
  privacy_officer: "/audit",
  public_display: "/forum",
};

/** The page made for a role. */
export function homeOf(role) {
  return HOME[role] || "/console";
}

/** A refusal or failure of the API, with the server's own explanation. */
export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
    this.detail = detail;
  }
}

/** The sign-in page, coming back here afterwards. */
export function goToLogin() {
  const next = location.pathname + location.search + location.hash;
  location.assign(`/login?next=${encodeURIComponent(next)}`);
}

function describe(detail) {
  // A list of {loc, msg}: FastAPI's own validation errors, which csu's server never sends.
  if (Array.isArray(detail)) {
    return detail.map((d) => `${(d.loc || []).filter((p) => p !== "body").join(".")}: ${d.msg}`).join("; ");
  }
  return typeof detail === "string" ? detail : JSON.stringify(detail);
}

async function failure(response) {
  let detail = response.statusText || `HTTP ${response.status}`;
  try {
    const body = await response.json();
    if (body && body.detail != null) detail = describe(body.detail);
  } catch (_) {
    // not JSON: keep the status text
  }
  return new ApiError(response.status, detail);
}

function watchServer() {
  // While the server is away, knock at its door; when it answers, tell the page to resync.
  if (probe) return;
  probe = setInterval(async () => {
    try {
      const answer = await fetch("/healthz", { cache: "no-store" });
      if (!answer.ok) return;
    } catch (_) {
      return;
    }
    clearInterval(probe);
    probe = null;
    connectionBack("http");
    window.dispatchEvent(new Event("csu:reconnected"));
  }, PROBE_MS);
}

/**
 * Call the API. Plain objects go as JSON; returns the parsed JSON (or the Response with raw).
 * 401 sends the user to the sign-in page unless `signIn: false`; `signal` can abort it.
 */
export async function api(path, { method = "GET", body, headers = {}, raw = false, signIn = true, signal } = {}) {
  // The page's own language, not the browser's: the server words its refusals in it.
  const options = { method, headers: { "Accept-Language": language, ...headers }, credentials: "same-origin", signal };
  if (body !== undefined) {
    const plain = body !== null && typeof body === "object" && !(body instanceof Blob) && !(body instanceof FormData);
    options.body = plain ? JSON.stringify(body) : body;
    if (plain) options.headers["Content-Type"] = "application/json";
  }
  let response;
  try {
    response = await fetch(path, options);
  } catch (error) {
    if (error.name === "AbortError") throw error; // the page gave up on it: not an outage
    connectionLost("http");
    watchServer();
    throw new ApiError(0, t("common.error.unreachable"));
  }
  connectionBack("http");
  if (response.status === 401 && signIn) {
    goToLogin();
    throw new ApiError(401, t("common.error.session_ended"));
  }
  if (!response.ok) throw await failure(response);
  if (raw) return response;
  if (response.status === 204) return null;
  const type = response.headers.get("content-type") || "";
  return type.includes("json") ? response.json() : response.text();
}

function errorNode(anchor, create) {
  let node = anchor.nextElementSibling;
  if (node && node.classList.contains("error-message")) return node;
  if (!create) return null;
  node = el("p", { class: "error-message", role: "alert" });
  anchor.after(node);
  return node;
}

/** Show an error in plain words right after the control that caused it. */
export function showError(anchor, error) {
  const words = error instanceof ApiError ? error.detail : String((error && error.message) || error);
  const node = errorNode(anchor, true);
  node.textContent = words.charAt(0).toUpperCase() + words.slice(1);
  anchor.setAttribute("aria-invalid", "true");
}

/** Remove the error shown next to a control (after it succeeded). */
export function clearError(anchor) {
  const node = errorNode(anchor, false);
  if (node) node.remove();
  anchor.removeAttribute("aria-invalid");
}

/** Open a session; the server sets the session cookie. */
export function login(username, password) {
  return api("/api/auth/login", { method: "POST", body: { username, password }, signIn: false });
}

/** End the session and go to the sign-in page. */
export async function logout() {
  try {
    await api("/api/auth/logout", { method: "POST", signIn: false });
  } finally {
    location.assign("/login");
  }
}

/** Who is signed in ({username, role}); 401 goes to the sign-in page unless signIn is false. */
export function me({ signIn = true } = {}) {
  return api("/api/auth/me", { signIn });
}
