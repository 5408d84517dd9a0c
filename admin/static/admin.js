/* Console helpers. Every JSON call carries the CSRF token in X-CSRFToken. */
(function () {
  "use strict";
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  function postJSON(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), "Accept": "application/json" },
      body: JSON.stringify(body || {})
    }).then(function (r) { return r.json().then(function (data) { return { ok: r.ok, status: r.status, data: data }; }); });
  }
  window.ExamConsole = { csrfToken: csrfToken, postJSON: postJSON };
})();

/* Live room view: polls the JSON snapshot every few seconds and redraws the table. */
(function () {
  "use strict";
  var table = document.getElementById("live-table");
  if (!table) { return; }
  var labels = JSON.parse(table.getAttribute("data-labels"));
  var tbody = table.querySelector("tbody");
  var dialog = document.getElementById("action-dialog");
  var form = document.getElementById("action-form");
  var pending = null;
  var POLL_MS = 3000;

  function fmt(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_m, key) { return values[key]; });
  }
  function clockText(seconds) {
    if (seconds === null || seconds === undefined) { return "—"; }
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    return (h ? h + ":" : "") + (m < 10 && h ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
  }
  function cell(row, text, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (cls) { td.className = cls; }
    row.appendChild(td);
    return td;
  }
  function button(container, action, label, target) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.setAttribute("data-action", action);
    b.addEventListener("click", function () { openDialog(action, target); });
    container.appendChild(b);
  }
  function render(snapshot) {
    lastSnapshot = snapshot;
    var state = document.getElementById("live-session-state");
    state.textContent = labels[snapshot.session.state] || snapshot.session.state;
    state.className = "badge " + snapshot.session.state;
    document.getElementById("live-updated").textContent =
      fmt(labels.updated, { time: snapshot.now_local });
    var counts = [];
    Object.keys(snapshot.counts).sort().forEach(function (k) { counts.push((labels[k] || k) + ": " + snapshot.counts[k]); });
    document.getElementById("live-counts").textContent = counts.join(" · ");
    var silentCount = snapshot.counts.silent || 0;
    var silentEl = document.getElementById("silent-count");
    silentEl.textContent = fmt(labels.silent_count, { n: silentCount });
    silentEl.classList.toggle("alert", silentCount > 0);
    var onlySilent = document.getElementById("only-silent").checked;
    document.getElementById("close-session").disabled = snapshot.session.state === "closed";
    var fresh = document.createDocumentFragment();
    snapshot.candidates.forEach(function (c) {
      if (onlySilent && !c.silent) { return; }
      var tr = document.createElement("tr");
      tr.setAttribute("data-participant", c.participant_id);
      tr.className = c.state + (c.silent ? " silent" : "");
      cell(tr, c.seat || c.terminal_seat || "");
      cell(tr, c.name);
      var st = cell(tr, (labels[c.state] || c.state) + (c.silent ? " · " + labels.silent : ""), "state");
      st.setAttribute("data-state", c.state);
      var answered = cell(tr, "", "answered");
      if (c.attempt_id) {
        var bar = document.createElement("progress");
        bar.max = c.total || 1; bar.value = c.answered;
        bar.setAttribute("aria-label", fmt(labels.progress, { answered: c.answered, total: c.total }));
        answered.appendChild(bar);
        answered.appendChild(document.createTextNode(" " + c.answered + "/" + c.total));
      } else { answered.textContent = "—"; }
      // Time left only while the test runs; a finished row shows its score and verdict in their own columns.
      cell(tr, c.attempt_id && c.state !== "finished" ? clockText(c.seconds_left) : "—", "time-left");
      cell(tr, c.state === "finished" && c.score !== null ? c.score + " / " + c.max_points : "—", "score");
      cell(tr, c.state === "finished" && c.verdict ? (labels[c.verdict] || c.verdict) : "—", "verdict");
      cell(tr, c.last_contact_seconds === null ? "—" : fmt(labels.seconds_ago, { n: c.last_contact_seconds }), "contact");
      cell(tr, c.terminal_id ? fmt(labels.seat, { seat: c.terminal_seat || "—" }) + " · #" + c.terminal_id +
        (c.terminal_state === "locked" ? " (" + labels.locked + ")" : "") : "—", "terminal");
      var actions = cell(tr, "", "actions");
      if (snapshot.session.state !== "closed" || c.state === "in_progress" || c.state === "paused") {
        if (c.state === "in_progress") {
          button(actions, "extend", labels.extend, c);
          button(actions, "pause", labels.pause, c);
          button(actions, "move", labels.move, c);
        } else if (c.state === "paused") {
          button(actions, "resume", labels.resume, c);
          button(actions, "extend", labels.extend, c);
        } else if (c.state === "waiting" || c.state === "no_code") {
          button(actions, "no_show", labels.no_show_action, c);
        }
        if (c.terminal_state === "locked") { button(actions, "unlock", labels.unlock, c); }
      }
      fresh.appendChild(tr);
    });
    snapshot.terminals.forEach(function (t) {
      if (t.state !== "locked" || onlySilent) { return; }
      var tr = document.createElement("tr");
      tr.className = "locked-terminal";
      cell(tr, t.seat); cell(tr, "#" + t.id); cell(tr, labels.locked, "state");
      cell(tr, ""); cell(tr, ""); cell(tr, ""); cell(tr, "");
      cell(tr, t.last_seen_seconds === null ? "—" : fmt(labels.seconds_ago, { n: t.last_seen_seconds }));
      cell(tr, "#" + t.id);
      button(cell(tr, "", "actions"), "unlock", labels.unlock, { terminal_id: t.id, name: "#" + t.id });
      fresh.appendChild(tr);
    });
    tbody.replaceChildren(fresh);
  }
  function showError(text) {
    var el = document.getElementById("live-error");
    el.textContent = text || "";
    el.classList.toggle("hidden", !text);
  }
  function poll() {
    fetch(table.getAttribute("data-url"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) { showError(""); render(data); })
      .catch(function () { showError(labels.connection); })
      .then(function () { window.setTimeout(poll, POLL_MS); });
  }
  function openDialog(action, target) {
    pending = { action: action, target: target || {} };
    document.getElementById("action-title").textContent =
      action === "no_show" ? labels.no_show_action : (labels[action] || action);
    document.getElementById("action-who").textContent = (target && target.name) || "";
    document.getElementById("action-error").textContent = "";
    document.getElementById("minutes-label").classList.toggle("hidden", action !== "extend");
    document.getElementById("terminal-label").classList.toggle("hidden", action !== "move");
    form.reason.value = "";
    if (action === "move") {
      fetch(table.getAttribute("data-terminals-url"), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (list) {
          var select = form.terminal_id;
          select.replaceChildren();
          list.forEach(function (t) {
            if (t.id === pending.target.terminal_id) { return; }
            var o = document.createElement("option");
            o.value = t.id;
            o.textContent = fmt(labels.terminal_label, { room: t.room, seat: t.seat || "—", id: t.id, n: t.last_seen_seconds });
            select.appendChild(o);
          });
          if (!select.options.length) { document.getElementById("action-error").textContent = labels.no_terminal; }
        });
    }
    dialog.showModal();
  }
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var t = pending.target;
    var body = { action: pending.action, reason: form.reason.value };
    if (t.attempt_id) { body.attempt_id = t.attempt_id; }
    if (t.participant_id) { body.participant_id = t.participant_id; }
    if (pending.action === "unlock") { body.terminal_id = t.terminal_id; }
    if (pending.action === "extend") { body.minutes = parseInt(form.minutes.value, 10); }
    if (pending.action === "move") { body.terminal_id = parseInt(form.terminal_id.value, 10); }
    window.ExamConsole.postJSON(table.getAttribute("data-action-url"), body).then(function (res) {
      if (!res.ok) { document.getElementById("action-error").textContent = res.data.message || res.status; return; }
      dialog.close();
      render(res.data.snapshot);
    }, function () { document.getElementById("action-error").textContent = labels.connection; });
  });
  document.getElementById("action-cancel").addEventListener("click", function () { dialog.close(); });
  var lastSnapshot = null;
  document.getElementById("only-silent").addEventListener("change", function () { if (lastSnapshot) { render(lastSnapshot); } });
  document.getElementById("close-session").addEventListener("click", function () { openDialog("close", { name: "" }); });
  poll();
})();
