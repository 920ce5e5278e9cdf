// Stoop's own script: small enhancements only. Every page works without it.
(function () {
  function focusErrors() {
    // Move focus to an error summary so screen readers announce it after a failed submit.
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  }
  document.addEventListener("DOMContentLoaded", focusErrors);
  document.addEventListener("htmx:afterSwap", function (event) {
    // A boosted page swaps only <body>: carry over the new page's language and direction.
    var head = /<html lang="([\w-]+)" dir="(ltr|rtl)"/.exec(event.detail.xhr.responseText || "");
    if (head && event.detail.boosted) {
      document.documentElement.lang = head[1];
      document.documentElement.dir = head[2];
    }
    focusErrors();
  });
})();
