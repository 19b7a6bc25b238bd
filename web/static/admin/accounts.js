// What an administrator does to one account, each in a small form under its row: its cameras with
// one expiry each, its data-protection training day, its role, a password reset, deactivation and
// reactivation. Every change needs a
// reason, logged with it; the server refuses what cannot be in words shown by the button.
import { api, clearError, showError } from "/static/common/api.js";
import { el } from "/static/common/dom.js";
import { fromSiteInput, t, toSiteInput } from "/static/common/i18n.js";

const ALL = "*";
const ROLES = ["operator", "supervisor", "crisis", "privacy_officer", "admin", "public_display"];

/** A role in words. */
export function roleWords(role) {
  return t(`accounts.role.${role}`);
}

function userPath(user, what) {
  return `/api/users/${encodeURIComponent(user.username)}/${what}`;
}

function reasonField() {
  const input = el("input", { class: "reason", required: true, maxlength: "1000", size: "40" });
  input.setAttribute("placeholder", t("accounts.reason_placeholder"));
  return el("label", {}, t("accounts.reason"), input);
}

function siteDay(moment) {
  return moment ? toSiteInput(moment).slice(0, 10) : "";
}

function endOfDay(day) {
  // A grant dated D runs through the whole of day D on the site's clock.
  return day ? fromSiteInput(`${day}T23:59:59`).toISOString() : null;
}

function grantRows(user, cameras) {
  const current = new Map(user.grants.filter((g) => !g.expired).map((g) => [g.camera_id, g]));
  const choices = [[ALL, t("accounts.all_cameras")], ...cameras.map((c) => [c.id, c.name])];
  return choices.map(([id, name]) => {
    const grant = current.get(id);
    const box = el("input", { type: "checkbox", class: "granted", checked: Boolean(grant) });
    const until = el("input", { type: "date", class: "expires", value: siteDay(grant && grant.expires_at) });
    until.setAttribute("aria-label", t("accounts.until_for", { camera: name }));
    return el("li", { "data-camera": id }, el("label", { class: "inline" }, box, name), until);
  });
}

function today() {
  return toSiteInput(new Date().toISOString()).slice(0, 10);
}

/** The account's training day as dd/mm/yyyy, or a warning that none is recorded. */
function trainingNote(user) {
  if (!user.training_date) {
    // Flagged only where it matters: an account that may watch cameras now.
    const watching = user.active && user.grants.some((g) => !g.expired);
    return el("span", { class: watching ? "training untrained" : "training muted" }, t("accounts.untrained"));
  }
  const [year, month, day] = user.training_date.split("-");
  return el("span", { class: "training" }, t("accounts.trained_on", { day: `${day}/${month}/${year}` }));
}

function chosenGrants(form) {
  return [...form.querySelectorAll("li[data-camera]")]
    .filter((row) => row.querySelector(".granted").checked)
    .map((row) => ({ camera_id: row.dataset.camera, expires_at: endOfDay(row.querySelector(".expires").value) }));
}

// Each form: its own fields, the request it sends, and what to show once it is done.
const FORMS = {
  grants: {
    fields: (user, options) => [
      el("p", { class: "muted" }, t("accounts.grants_help")),
      el("ul", { class: "grant-list" }, ...grantRows(user, options.cameras())),
    ],
    send: (user, form, reason) => api(userPath(user, "grants"), {
      method: "PUT", body: { grants: chosenGrants(form), reason },
    }),
    submit: "accounts.save_grants",
  },
  training: {
    fields: (user) => [
      el("label", {}, t("accounts.training_date"),
        el("input", { type: "date", class: "training-date", value: user.training_date || "", max: today() })),
      el("p", { class: "muted" }, t("accounts.training_help")),
    ],
    send: (user, form, reason) => api(userPath(user, "training"), {
      method: "PUT", body: { training_date: form.querySelector(".training-date").value || null, reason },
    }),
    submit: "accounts.save_training",
  },
  role: {
    fields: (user) => [
      el("label", {}, t("accounts.new_role"), el("select", { class: "role" },
        ...ROLES.map((role) => el("option", { value: role, selected: role === user.role }, roleWords(role))))),
      el("p", { class: "muted" }, t("accounts.role_help")),
    ],
    send: (user, form, reason) => api(userPath(user, "role"), {
      method: "PUT", body: { role: form.querySelector(".role").value, reason },
    }),
    submit: "accounts.save_role",
  },
  reset: {
    fields: () => [el("p", { class: "muted" }, t("accounts.reset_help"))],
    send: (user, _form, reason) => api(userPath(user, "password-reset"), { method: "POST", body: { reason } }),
    submit: "accounts.reset",
    // The one-time password is shown once, here, to be given to the user.
    done: (answer, editor) => editor.querySelector("td").replaceChildren(
      el("p", { class: "temporary" }, t("accounts.temporary", { user: answer.account.username }), " ",
        el("code", { class: "temporary-password" }, answer.temporary_password)),
      el("p", { class: "muted" }, t("accounts.temporary_help")),
    ),
  },
  deactivate: {
    fields: () => [el("p", { class: "muted" }, t("accounts.deactivate_help"))],
    send: (user, _form, reason) => api(userPath(user, "deactivate"), { method: "POST", body: { reason } }),
    submit: "accounts.deactivate",
    danger: true,
  },
  reactivate: {
    fields: () => [el("p", { class: "muted" }, t("accounts.reactivate_help"))],
    send: (user, _form, reason) => api(userPath(user, "reactivate"), { method: "POST", body: { reason } }),
    submit: "accounts.reactivate",
  },
};

function openForm(row, user, kind, options) {
  const next = row.nextElementSibling;
  if (next && next.classList.contains("account-editor")) {
    const same = next.dataset.kind === kind;
    next.remove();
    if (same) return; // a second click on the same button closes its form
  }
  const spec = FORMS[kind];
  const save = el("button", { type: "submit", class: `save ${spec.danger ? "danger" : ""}` }, t(spec.submit));
  const cancel = el("button", { type: "button", class: "quiet cancel" }, t("accounts.cancel"));
  const form = el("form", { class: "account-form" }, ...spec.fields(user, options), el("div", { class: "row" }, reasonField(), save, cancel));
  const editor = el("tr", { class: "account-editor", "data-kind": kind }, el("td", { colspan: "5" }, form));
  cancel.addEventListener("click", () => editor.remove());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    save.disabled = true;
    try {
      const answer = await spec.send(user, form, form.querySelector(".reason").value);
      clearError(save);
      await options.reload();
      if (!spec.done) return;
      // The list was drawn again: show the outcome under the account's new row.
      const fresh = document.querySelector(`tr[data-user="${CSS.escape(user.username)}"]`);
      if (fresh) fresh.after(editor);
      spec.done(answer, editor);
    } catch (error) {
      showError(save, error);
      save.disabled = false;
    }
  });
  row.after(editor);
  form.querySelector("input, select").focus();
}

function button(kind, words, onClick, danger = false) {
  const node = el("button", { type: "button", class: `${danger ? "danger" : "quiet"} ${kind}` }, words);
  node.addEventListener("click", onClick);
  return node;
}

/** The buttons (and state notes) of one account's row; options: me, cameras(), reload(). */
export function accountActions(row, user, options) {
  const open = (kind) => () => openForm(row, user, kind, options);
  if (!user.active) return [button("reactivate", t("accounts.reactivate_button"), open("reactivate"))];
  const mine = user.username === options.me;
  const buttons = [
    button("edit-grants", t("accounts.grants_button"), open("grants")),
    button("edit-training", t("accounts.training_button"), open("training")),
  ];
  // One's own role, password and account are changed by another administrator, never by oneself.
  if (!mine) {
    buttons.push(
      button("change-role", t("accounts.role_button"), open("role")),
      button("reset-password", t("accounts.reset_button"), open("reset")),
      button("deactivate", t("accounts.deactivate_button"), open("deactivate"), true),
    );
  }
  const notes = [trainingNote(user)];
  if (user.must_change_password) notes.push(el("span", { class: "awaiting-password" }, t("accounts.awaiting_password")));
  return [...notes, ...buttons];
}
