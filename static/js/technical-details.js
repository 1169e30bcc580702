// "Technical details" of an event in a table row (auditlog.sentences.technical_details): opened, its body
// (the event's key and raw JSON) moves to a full-width row under the row, so that the JSON has the table's
// width instead of its narrow last cell; closed, the body goes back into its <details> and the row goes.
(function () {
  "use strict";

  function toggled(event) {
    const details = event.target;
    if (!(details instanceof HTMLDetailsElement) || !details.classList.contains("vh-technical")) return;
    const row = details.closest("tr");
    if (!row) return;
    if (!details.vhBody) details.vhBody = details.querySelector(".vh-technical-body");
    const body = details.vhBody;
    if (!body) return;
    if (details.open) {
      const wide = document.createElement("tr");
      wide.className = "vh-technical-row";
      wide.dataset.testid = "technical-row";
      const cell = wide.insertCell();
      cell.colSpan = [...row.cells].reduce((sum, td) => sum + td.colSpan, 0);
      cell.appendChild(body);
      row.after(wide);
      details.vhRow = wide;
    } else {
      details.appendChild(body);
      if (details.vhRow) details.vhRow.remove();
      details.vhRow = null;
    }
  }

  // "toggle" does not bubble: listened to on its way down.
  document.addEventListener("toggle", toggled, true);
})();
