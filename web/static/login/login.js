// Sign in, then go on to the page asked for, or the page made for the user's role.
import { clearError, homeOf, login, me, showError } from "/static/common/api.js";

const form = document.getElementById("login");
const submit = document.getElementById("submit");

function destination(role) {
  // Only a path on this site: never send a user elsewhere from a link's parameter.
  const next = new URLSearchParams(location.search).get("next");
  if (next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/login")) return next;
  return homeOf(role);
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const data = new FormData(form);
  submit.disabled = true;
  try {
    await login(data.get("username"), data.get("password"));
    const who = await me({ signIn: false });
    clearError(submit);
    location.assign(destination(who.role));
  } catch (error) {
    showError(submit, error);
    submit.disabled = false;
  }
});

// Already signed in (a valid session cookie): go straight on.
me({ signIn: false }).then((who) => location.assign(destination(who.role)), () => {});
