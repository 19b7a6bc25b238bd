// Sign in, then go on to the page asked for, or the page made for the user's role.
import { api, clearError, homeOf, login, me, showError } from "/static/common/api.js";
import { followAccountLanguage, languageSwitch } from "/static/common/i18n.js";
import { chooseNewPassword, mustChangePassword } from "/static/login/new_password.js";

const form = document.getElementById("login");
const submit = document.getElementById("submit");
document.getElementById("language").append(languageSwitch());

function destination(role) {
  // Only a page of this site: a link's `next` never sends a signed-in user elsewhere. Prefix
  // checks are not enough ("/\evil.example" and "/<tab>/evil.example" lead off-site once the
  // browser parses them), so `next` is parsed the way the browser will, kept only when its
  // origin is this page's own, and followed as that absolute address.
  const next = new URLSearchParams(location.search).get("next");
  if (!next || !next.startsWith("/")) return homeOf(role);
  let url;
  try {
    url = new URL(next, location.origin);
  } catch {
    return homeOf(role);
  }
  if (url.origin !== location.origin || url.pathname.startsWith("/login")) return homeOf(role);
  return url.href;
}

/** Signed in: the pages from now on speak the account's language (this browser's if it has none). */
async function goOn(role) {
  try {
    const preferences = await api("/api/me/preferences", { signIn: false });
    followAccountLanguage(preferences.language, { reload: false });
  } catch (_) {
    followAccountLanguage(null, { reload: false }); // not the previous account's, at least
  }
  location.assign(destination(role));
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const data = new FormData(form);
  submit.disabled = true;
  try {
    await login(data.get("username"), data.get("password")).catch((error) => {
      if (!mustChangePassword(error)) throw error;
      return chooseNewPassword(data.get("username"), data.get("password"));
    });
    const who = await me({ signIn: false });
    clearError(submit);
    await goOn(who.role);
  } catch (error) {
    showError(submit, error);
    submit.disabled = false;
  }
});

// Already signed in (a valid session cookie): go straight on.
me({ signIn: false }).then((who) => goOn(who.role), () => {});
