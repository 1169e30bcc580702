/* Settings > Webhooks, an endpoint's events (templates/outbound/_webhook_form.html): a button beside each
   group's name checks every event of the group, or clears them when all are checked already ("All" or
   "None"). The buttons are hidden until this runs: without JavaScript the events are chosen one by one.
   One listener on the document serves every form on the page (a new endpoint's and an edited one's). */
(function () {
  "use strict";
  if (window.vhEventChoices) return;
  window.vhEventChoices = true;

  function boxes(button) {
    return Array.from(button.closest("[data-vh-event-group]").querySelectorAll('input[type="checkbox"]'));
  }

  function show(button) {
    const all = boxes(button).every(function (box) { return box.checked; });
    const group = button.dataset.vhCheckGroup;
    button.textContent = all ? "None" : "All";
    button.setAttribute("aria-label", (all ? "Clear every " : "Choose every ") + group + " event");
    button.hidden = false;
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-vh-check-group]");
    if (!button) return;
    const check = !boxes(button).every(function (box) { return box.checked; });
    boxes(button).forEach(function (box) { box.checked = check; });
    show(button);
  });

  document.addEventListener("change", function (event) {
    const group = event.target.closest("[data-vh-event-group]");
    if (group) show(group.querySelector("[data-vh-check-group]"));
  });

  function start() {
    document.querySelectorAll("[data-vh-check-group]").forEach(show);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
