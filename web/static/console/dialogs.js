// The console's dialogs: the reason prompt (sent with the request that needs it) and the help.

const reasonDialog = document.getElementById("reason-dialog");
const reasonText = document.getElementById("reason-text");

/** Ask why; resolves to the text, or null if the operator cancels. */
export function askReason(title, help = "") {
  document.getElementById("reason-title").textContent = title;
  document.getElementById("reason-help").textContent = help;
  reasonText.value = "";
  reasonDialog.returnValue = "";
  reasonDialog.showModal();
  reasonText.focus();
  return new Promise((resolve) => {
    reasonDialog.addEventListener("close", () => {
      const text = reasonText.value.trim();
      resolve(reasonDialog.returnValue === "ok" && text ? text : null);
    }, { once: true });
  });
}

document.getElementById("reason-cancel").addEventListener("click", () => reasonDialog.close("cancel"));
reasonText.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    if (reasonText.value.trim()) reasonDialog.close("ok");
  }
});
document.getElementById("reason-form").addEventListener("submit", (event) => {
  if (!reasonText.value.trim()) event.preventDefault();
});

const help = document.getElementById("help");

/** Show or hide the keyboard help. */
export function toggleHelp() {
  if (help.open) help.close();
  else help.showModal();
}

document.getElementById("help-button").addEventListener("click", toggleHelp);
help.addEventListener("click", (event) => {
  if (event.target === help) help.close(); // a click on the backdrop
});

/** Whether a dialog has the keyboard now (the console's own keys then wait). */
export function dialogOpen() {
  return [...document.querySelectorAll("dialog")].some((d) => d.open);
}
