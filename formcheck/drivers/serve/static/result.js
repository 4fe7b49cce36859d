// The result page's live state: polls the API and reloads once the verdict is in.
// Without JavaScript, the page refreshes itself (a <noscript> meta refresh).
(function () {
  "use strict";
  var root = document.getElementById("submission");
  if (!root) { return; }
  var api = root.getAttribute("data-api");
  var shown = root.getAttribute("data-status");
  function update(data) {
    if (data.status !== "queued" && data.status !== "grading") {
      window.location.reload();
      return;
    }
    var text = document.getElementById("state-text");
    var bar = document.getElementById("progress");
    var percent = Math.round(100 * (data.progress || 0));
    if (data.status === "grading" && text) {
      text.textContent = "Grading: " + percent + "% done.";
    }
    if (bar) { bar.value = percent; }
    shown = data.status;
  }
  function poll() {
    fetch(api, {headers: {"Accept": "application/json"}, cache: "no-store"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { update(data); } })
      .catch(function () {})
      .then(function () { window.setTimeout(poll, 1500); });
  }
  window.setTimeout(poll, 1000);
})();
