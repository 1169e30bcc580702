/* A click on an unread notification (templates/exports/_notification_items.html) shows it read at once,
   in the open menu or on the notifications page, and lowers the bell's count; the form's POST marks it
   read on the server, which the next count poll and the next menu confirm. Loaded once per page. */
(function () {
  "use strict";
  if (window.vhNotifications) return;
  window.vhNotifications = true;

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-vh-notification")) return;
    const item = form.querySelector(".vh-unread");
    if (!item) return;
    item.classList.remove("vh-unread", "fw-semibold");
    const mark = form.querySelector(".vh-unread-mark");
    if (mark) mark.textContent = " · read";
    const badge = document.getElementById("vh-bell-count");
    const count = badge && badge.firstChild;
    if (!count || count.nodeType !== Node.TEXT_NODE) return;
    const left = Math.max(0, (parseInt(count.textContent, 10) || 0) - 1);
    count.textContent = String(left);
    if (left === 0) badge.classList.add("d-none");
  });
})();
