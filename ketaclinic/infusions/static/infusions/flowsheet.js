// Flowsheet behaviour after an htmx save (loaded with defer; no inline script, so the CSP's
// script-src 'self' holds). htmx swaps the whole flowsheet after every action, which would
// leave focus at the top of the page and wipe whatever was typed in the other forms.
//
// Typing kept: before a swap of the flowsheet, the values the nurse typed or chose in every
// form other than the one submitted (visible fields only: no hidden, password or CSRF field)
// are noted by element id; after the swap each goes back into the element with the same id
// if that element is still at its default (the server did not fill it). The submitted form
// comes back as the server rendered it: cleared after a save, with its values on a refusal.
//
// Focus:
// - a save that raised new alerts: the alerts box, scrolled into view;
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

  const SKIPPED_TYPES = ["hidden", "password", "submit", "button", "reset", "file", "image"];

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

  function submittedForm(detail) {
    const config = detail.requestConfig || {};
    const elt = config.elt || detail.elt;
    if (!elt) {
      return null;
    }
    return elt.tagName === "FORM" ? elt : elt.closest("form");
  }

  // --- Typing kept across a swap ------------------------------------------------------------

  function keptField(field) {
    if (!field.id || !field.name || field.name === "csrfmiddlewaretoken" || field.disabled) {
      return false;
    }
    if (field.tagName === "INPUT" && SKIPPED_TYPES.indexOf(field.type) !== -1) {
      return false;
    }
    return true;
  }

  function defaultSelectedIndex(select) {
    for (let index = 0; index < select.options.length; index += 1) {
      if (select.options[index].defaultSelected) {
        return index;
      }
    }
    return select.multiple ? -1 : 0;
  }

  function atDefault(field) {
    if (field.tagName === "SELECT") {
      return field.selectedIndex === defaultSelectedIndex(field);
    }
    if (field.type === "checkbox" || field.type === "radio") {
      return field.checked === field.defaultChecked;
    }
    return field.value === field.defaultValue;
  }

  function valueOf(field) {
    if (field.type === "checkbox" || field.type === "radio") {
      return field.checked;
    }
    return field.value;
  }

  function setValue(field, value) {
    if (field.type === "checkbox" || field.type === "radio") {
      field.checked = value;
    } else {
      field.value = value;
    }
  }

  // What the nurse changed in the other forms: id -> value (only fields away from their default).
  function typedElsewhere(flowsheet, submitted) {
    const typed = {};
    flowsheet.querySelectorAll("form").forEach(function (form) {
      if (form === submitted) {
        return;
      }
      Array.prototype.forEach.call(form.elements, function (field) {
        if (keptField(field) && !atDefault(field)) {
          typed[field.id] = valueOf(field);
        }
      });
    });
    return typed;
  }

  // The submitted form's fields were never noted, so it stays as the server rendered it.
  function restoreTyped(typed) {
    Object.keys(typed).forEach(function (id) {
      const field = document.getElementById(id);
      if (!field || !keptField(field) || !atDefault(field)) {
        return; // gone, or the server filled it in
      }
      setValue(field, typed[id]);
      const details = field.closest("details");
      if (details) {
        details.open = true; // what was typed stays in sight
      }
    });
  }

  // --- Alerts -------------------------------------------------------------------------------

  function alertIds() {
    return Array.prototype.map.call(
      document.querySelectorAll("#alerts article[id]"),
      function (article) {
        return article.id;
      }
    );
  }

  function focusNewAlerts(before) {
    const box = document.getElementById("alerts");
    if (!box) {
      return false;
    }
    const fresh = alertIds().some(function (id) {
      return before.indexOf(id) === -1;
    });
    if (!fresh) {
      return false;
    }
    focusOn(box);
    box.scrollIntoView({ block: "start" });
    return true;
  }

  // --- The events ---------------------------------------------------------------------------

  document.addEventListener("htmx:beforeSwap", function (event) {
    const detail = event.detail || {};
    const config = detail.requestConfig;
    const flowsheet = document.getElementById("flowsheet");
    if (!config || !flowsheet) {
      return;
    }
    config.ketaclinicKept = {
      typed: typedElsewhere(flowsheet, submittedForm(detail)),
      alerts: alertIds(),
    };
  });

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
    const kept = config.ketaclinicKept || { typed: {}, alerts: alertIds() };
    restoreTyped(kept.typed);
    const saved = detail.xhr && detail.xhr.status < 300;
    if (saved && focusNewAlerts(kept.alerts)) {
      return;
    }
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
