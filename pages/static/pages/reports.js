/* /app/reports/: a PDF dropped on the verify zone (or chosen and sent) is checked without leaving the page,
   and picking dates switches the period to Custom. No library: the page works without this file, it is
   only quicker with it. The answer is the server's HTML fragment (reports.services.report_verify's). */
(function () {
  "use strict";

  function init() {
    var order = document.getElementById("order-form");
    if (order) {
      var preset = order.querySelector("select[name=period]");
      order.querySelectorAll("input[name=from], input[name=to]").forEach(function (input) {
        input.addEventListener("change", function () { if (preset && input.value) preset.value = "custom"; });
      });
    }

    var form = document.getElementById("verify-form");
    var zone = document.getElementById("drop-zone");
    var result = document.getElementById("verify-result");
    if (!form || !zone || !result || !window.fetch || !window.FormData) return;
    var input = form.querySelector("input[type=file]");
    // The page's words in the person's language (Django's JavaScriptCatalog, loaded before; English without it).
    var gettext = window.gettext || function (s) { return s; };
    var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;

    function send(file) {
      var body = new FormData();
      body.append("file", file, file.name || "report.pdf");
      result.textContent = file.name ? gettext("Checking %(name)s…").replace("%(name)s", file.name)
        : gettext("Checking the file…");
      zone.classList.add("busy");
      // HX-Request: the view answers the fragment, as it does to htmx.
      fetch(form.action, {method: "POST", body: body, credentials: "same-origin",
                          headers: {"HX-Request": "true", "X-CSRFToken": csrf}})
        .then(function (response) {
          // A signed-out session is sent to the login page: say so rather than show that page in here.
          if (response.redirected) return null;
          return response.text();
        })
        .then(function (html) {
          if (html === null) result.textContent = gettext("You are signed out; reload the page and sign in again.");
          else result.innerHTML = html;
        })
        .catch(function () { result.textContent = gettext("The server could not be reached; try again."); })
        .then(function () { zone.classList.remove("busy"); });
    }

    form.addEventListener("submit", function (event) {
      if (!input.files || !input.files.length) return; // the server says what is missing
      event.preventDefault();
      send(input.files[0]);
    });
    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (event) { event.preventDefault(); zone.classList.add("over"); });
    });
    zone.addEventListener("dragleave", function () { zone.classList.remove("over"); });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      zone.classList.remove("over");
      var files = event.dataTransfer && event.dataTransfer.files;
      if (files && files.length) send(files[0]);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
