"use strict";
// htmx 2 does not swap 4xx responses by default. The chart's clinical forms answer a
// refused entry with 400 and the form re-rendered (typed values kept, a message per
// field), so let that response replace the form when the form opts in with data-swap-400.
// The section is re-rendered after every save and brings this script again: register once.
if (!window.ketaclinicSwap400) {
  window.ketaclinicSwap400 = true;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var source = event.detail.elt;
    if (event.detail.xhr.status === 400 && source && source.closest("[data-swap-400]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
}
