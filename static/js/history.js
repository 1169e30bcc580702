/* Back and Forward render the page of the URL they land on (templates/base.html sets htmx to keep no
   snapshots, so every history move asks the server for the whole page). Two guards:
   - a history move aborts the page a previous one is still loading, so pressing Back twice quickly
     never ends on the older answer arriving last;
   - a swap that would push the URL already in the address bar replaces it instead (a text filter sends
     on "change" and again on Enter's submit), so Back always goes to the previous state, never to the
     same one. Loaded once per page; loading it twice is harmless. */
(function () {
  "use strict";
  if (window.vhHistoryGuards) return;
  window.vhHistoryGuards = true;

  let loading = null;
  document.addEventListener("htmx:historyCacheMiss", function (event) {
    if (loading && loading.readyState !== XMLHttpRequest.DONE) loading.abort();
    loading = event.detail.xhr;
  });

  function here() {
    return location.pathname + location.search;
  }

  document.addEventListener("htmx:beforeHistoryUpdate", function (event) {
    const update = event.detail.history;
    if (!update || update.type !== "push") return;
    const target = new URL(update.path, location.href);
    if (target.origin === location.origin && target.pathname + target.search === here()) {
      update.type = "replace";
    }
  });
})();
