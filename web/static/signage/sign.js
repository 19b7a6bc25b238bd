// The sign's print button: the sheet itself is plain HTML, printed as it stands.
document.getElementById("print")?.addEventListener("click", () => window.print());
