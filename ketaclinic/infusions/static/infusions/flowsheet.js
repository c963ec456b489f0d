// Keyboard focus after an htmx save on the flowsheet (loaded with defer; no inline script, so
// the CSP's script-src 'self' holds). htmx swaps the whole flowsheet after every action, which
// would leave focus at the top of the page. Instead:
// - a vitals row saved: the next row's first field (Time), ready for the next reading;
// - a vitals row refused: the row came back with its values; the first field in error;
// - any other action: the heading of the section whose form was used (the first field in
//   error if it was refused); if that section is gone (for example "Start" after the start),
//   the flowsheet's own heading.
(function () {
  "use strict";
  if (window.ketaclinicFlowsheetFocus) {
    return; // loaded again by a boosted navigation: one listener is enough
  }
  window.ketaclinicFlowsheetFocus = true;

  function focusOn(element) {
    if (!element) {
      return false;
    }
    if (!element.matches("input, select, textarea, button, a[href], [tabindex]")) {
      element.setAttribute("tabindex", "-1");
    }
    element.focus();
    return true;
  }

  function firstField(scope) {
    return scope && scope.querySelector("input:not([type=hidden]), select, textarea");
  }

  function firstError(scope) {
    const list = scope && scope.querySelector(".errorlist[id$='_errors']");
    if (list) {
      return document.getElementById(list.id.slice(0, -"_errors".length));
    }
    return scope && scope.querySelector(".form-errors[role=alert]");
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    const detail = event.detail || {};
    const config = detail.requestConfig || {};
    const form = config.elt;
    if (!form || form.tagName !== "FORM" || config.ketaclinicFocused) {
      return;
    }
    if (!document.getElementById("flowsheet")) {
      return;
    }
    config.ketaclinicFocused = true; // afterSwap fires once per swapped element
    const saved = detail.xhr && detail.xhr.status < 300;
    if (form.id === "vitals-entry") {
      const row = document.getElementById("vitals-entry");
      if (focusOn(saved ? firstField(row) : firstError(row) || firstField(row))) {
        return;
      }
    }
    const section = form.closest("section[aria-labelledby]");
    const headingId = section && section.getAttribute("aria-labelledby");
    const heading = headingId && document.getElementById(headingId);
    const fresh = heading && heading.closest("section");
    if (!saved && focusOn(firstError(fresh))) {
      return;
    }
    focusOn(heading) || focusOn(document.getElementById("flowsheet-heading"));
  });
})();
