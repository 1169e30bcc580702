/* Copy buttons (dashboard.components.copy_button, and a row menu's "Copy id"): a click puts the element's
   data-copy on the clipboard and shows "Copied" beside the id for two seconds (the row's feedback when the
   click came from its menu, which has closed by then). navigator.clipboard needs a secure context
   (https or localhost); elsewhere a hidden textarea and execCommand("copy") do it. Loaded once per page;
   one listener on the document serves rows swapped in by htmx too. */
(function () {
  "use strict";
  if (window.vhCopyId) return;
  window.vhCopyId = true;

  function fallbackCopy(text) {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    const done = document.execCommand("copy");
    area.remove();
    return done ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(text); });
    }
    return fallbackCopy(text);
  }

  function feedbackFor(control) {
    const own = control.nextElementSibling;
    if (own && own.classList.contains("vh-copy-feedback")) return own;
    const scope = control.closest("tr, section, main") || document.body;
    const value = control.getAttribute("data-copy");
    const buttons = scope.querySelectorAll(".vh-copy-btn");
    for (const button of buttons) {
      if (button.getAttribute("data-copy") === value && button.nextElementSibling) return button.nextElementSibling;
    }
    return null;
  }

  function show(control, text) {
    const feedback = feedbackFor(control);
    if (!feedback) return;
    feedback.textContent = text;
    feedback.classList.add("vh-shown");
    clearTimeout(feedback.vhTimer);
    feedback.vhTimer = setTimeout(function () {
      feedback.classList.remove("vh-shown");
      feedback.textContent = "";
    }, 2000);
  }

  document.addEventListener("click", function (event) {
    const control = event.target instanceof Element && event.target.closest("[data-copy]");
    if (!control) return;
    const value = control.getAttribute("data-copy");
    copy(value).then(
      function () { show(control, "Copied"); },
      function () { show(control, "Copy failed: select the id and copy it"); }
    );
  });
})();
