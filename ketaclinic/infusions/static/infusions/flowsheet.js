// The content security policy forbids inline styles, so htmx must not copy `style`
// attributes from the old page to the new when it settles a swap (Chromium leaves an empty
// style attribute on submitted inputs, and copying it is reported as a CSP violation).
if (window.htmx) {
  window.htmx.config.attributesToSettle = ["class", "width", "height"];
}
