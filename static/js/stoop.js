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
      document.dispatchEvent(new CustomEvent("stoop:located", { detail: { lat: position.coords.latitude, lon: position.coords.longitude } }));
      button.disabled = false;
    }, function () { button.disabled = false; }, { enableHighAccuracy: true, timeout: 15000 });
  });
})();
// The report form's map: a tap places the point here instead of submitting the form.
(function () {
  function place(map, fx, fy) {
    var b = map.getAttribute("data-bounds").split(" ").map(Number), pin = map.nextElementSibling;
    if (fx < 0 || fx > 1 || fy < 0 || fy > 1) return;
    document.getElementById("f-lat").value = (b[2] - fy * (b[2] - b[0])).toFixed(6);
    document.getElementById("f-lon").value = (b[1] + fx * (b[3] - b[1])).toFixed(6);
    document.getElementById("coords").open = true;
    if (map.dataset.nopin) { map.src = map.dataset.nopin; delete map.dataset.nopin; }
    pin.hidden = false;
    pin.style.left = fx * 100 + "%";
    pin.style.top = fy * 100 + "%";
    var said = document.getElementById("picked");
    said.textContent = said.dataset.chosen + " " + document.getElementById("f-lat").value + ", " + document.getElementById("f-lon").value;
  }
  document.addEventListener("click", function (event) {
    var map = event.target.closest && event.target.closest("input[data-bounds]");
    if (!map || !event.detail) return;  // a keyboard press submits: the server explains
    event.preventDefault();
    var r = map.getBoundingClientRect();
    place(map, (event.clientX - r.left) / r.width, (event.clientY - r.top) / r.height);
  });
  document.addEventListener("stoop:located", function (event) {
    var map = document.querySelector("input[data-bounds]");
    if (!map) return;
    var b = map.getAttribute("data-bounds").split(" ").map(Number);
    place(map, (event.detail.lon - b[1]) / (b[3] - b[1]), (b[2] - event.detail.lat) / (b[2] - b[0]));
  });
})();
