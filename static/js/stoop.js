// Stoop's own script: small enhancements only. Every page works without it.
document.addEventListener("DOMContentLoaded", function () {
  // Move focus to an error summary so screen readers announce it after a failed submit.
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
});
document.addEventListener("htmx:afterSwap", function () {
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
});
