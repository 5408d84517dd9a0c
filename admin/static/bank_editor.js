/* Blueprint editor: the feasibility check follows the form while it is being
   filled in. After a pause in typing the form is posted as "Check" (which
   never saves) and the feasibility table is replaced by the server's answer;
   without script the Check button does the same. Only the newest answer is
   shown, so a slow one never overwrites a fresher one. */
(function () {
  "use strict";
  var form = document.getElementById("blueprint-form");
  var target = document.getElementById("feasibility");
  if (!form || !target || !window.fetch || !window.DOMParser) { return; }
  var DELAY_MS = 600, timer = null, seq = 0;

  function check() {
    var data = new FormData(form);
    data.set("action", "check");
    var mine = ++seq;
    target.setAttribute("aria-busy", "true");
    fetch(window.location.href, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        if (mine !== seq) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("feasibility");
        if (fresh) { target.innerHTML = fresh.innerHTML; }
      })
      .catch(function () { /* the Check button still works */ })
      .then(function () { if (mine === seq) { target.removeAttribute("aria-busy"); } });
  }

  function later(event) {
    if (event.target && event.target.name === "comment") { return; }
    clearTimeout(timer);
    timer = setTimeout(check, DELAY_MS);
  }

  form.addEventListener("input", later);
  form.addEventListener("change", later);
}());
