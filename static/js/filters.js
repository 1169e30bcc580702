/* Filter forms put only the parameters that have a value in the URL: "?status=FAILED", not
   "?status=FAILED&voucher_code=&customer=&...". Generic: every GET an htmx element sends (a filter
   form, "Add filter" with hx-include, ...) and every GET form submitted without htmx. An element (or
   an ancestor) with data-vh-keep-empty keeps its empty parameters. Loaded once per page
   (templates/dashboard/messages.html is on every page); loading it twice is harmless. */
(function () {
  "use strict";
  if (window.vhDropEmptyParams) return;

  function dropEmpty(formData) {
    const names = new Set();
    for (const [name] of formData.entries()) names.add(name);
    for (const name of names) {
      const values = formData.getAll(name);
      const kept = values.filter((value) => typeof value !== "string" || value !== "");
      if (kept.length === values.length) continue;
      formData.delete(name);
      for (const value of kept) formData.append(name, value);
    }
  }
  window.vhDropEmptyParams = dropEmpty;

  function keepsEmpty(elt) {
    return Boolean(elt && elt.closest && elt.closest("[data-vh-keep-empty]"));
  }

  // htmx 2: the request's parameters before the URL is built from them (GET only: a POST form's empty
  // field means something, e.g. a reason left blank).
  document.addEventListener("htmx:configRequest", function (event) {
    const detail = event.detail;
    if (String(detail.verb).toLowerCase() !== "get" || keepsEmpty(detail.elt)) return;
    if (detail.formData) {
      dropEmpty(detail.formData);
    } else if (detail.parameters) {
      for (const name of Object.keys(detail.parameters)) {
        if (detail.parameters[name] === "") delete detail.parameters[name];
      }
    }
  });

  // A GET form submitted by the browser itself. A form with htmx attributes is left to the handler above
  // (htmx reads forms through new FormData(form), which fires this event too, also for its POSTs).
  const HTMX_FORM = "[hx-get],[hx-post],[hx-put],[hx-patch],[hx-delete],[data-hx-get],[data-hx-post]";
  document.addEventListener("formdata", function (event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || form.method !== "get" || form.matches(HTMX_FORM)) return;
    if (keepsEmpty(form)) return;
    dropEmpty(event.formData);
  });
})();
