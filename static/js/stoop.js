// Stoop's own script: small enhancements only. Every page works without it.
(function () {
  function enhance() {
    // Move focus to an error summary so screen readers announce it after a failed submit.
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
    // "Use my location" exists only where the phone can answer it.
    var locate = document.getElementById("locate");
    if (locate && navigator.geolocation) locate.hidden = false;
  }
  document.addEventListener("DOMContentLoaded", enhance);
  document.addEventListener("htmx:afterSettle", enhance);
  document.addEventListener("htmx:afterSwap", function (event) {
    // A boosted page swaps only <body>: carry over the new page's language and direction.
    var head = /<html lang="([\w-]+)" dir="(ltr|rtl)"/.exec(event.detail.xhr.responseText || "");
    if (head && event.detail.boosted) {
      document.documentElement.lang = head[1];
      document.documentElement.dir = head[2];
    }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("#locate");
    if (!button) return;
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(function (position) {
      document.getElementById("f-lat").value = position.coords.latitude.toFixed(6);
      document.getElementById("f-lon").value = position.coords.longitude.toFixed(6);
      button.disabled = false;
    }, function () { button.disabled = false; }, { enableHighAccuracy: true, timeout: 15000 });
  });
})();
