// After an administrator's reset the one-time password opens no session: the user chooses a new
// one here (checked by the server's password rule), which signs them in.
import { api, clearError, showError } from "/static/common/api.js";
import { t } from "/static/common/i18n.js";

/** Whether a sign-in was refused because the password must be changed first. */
export function mustChangePassword(error) {
  return error && error.status === 403;
}

/** Show the new-password step; resolves once the new password is set and a session is open. */
export function chooseNewPassword(username, password) {
  const form = document.getElementById("new-password");
  const first = document.getElementById("new-password-1");
  const again = document.getElementById("new-password-2");
  const submit = document.getElementById("new-password-submit");
  document.getElementById("login").hidden = true;
  form.hidden = false;
  first.focus();
  return new Promise((resolve) => {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (first.value !== again.value) {
        showError(submit, new Error(t("login.new_password.differ")));
        return;
      }
      submit.disabled = true;
      try {
        const body = { username, password, new_password: first.value };
        await api("/api/auth/password", { method: "POST", body, signIn: false });
        clearError(submit);
        resolve();
      } catch (error) {
        showError(submit, error);
        submit.disabled = false;
      }
    });
  });
}
