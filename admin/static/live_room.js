/* Live room view: the table is drawn once, then patched from the changes the
   server reports (GET data-url?since=VERSION returns only the rows that may
   have changed since the previous poll, with times as epoch milliseconds:
   whole rows for what a person changed, and "moves", the answered count and
   the time of contact of the tests heard from); the seconds left and the
   silence of every running test are counted here from the server's clock.
   Every minute the page asks for every row again. */
(function () {
  "use strict";
  var table = document.getElementById("live-table");
  if (!table) { return; }
  var labels = JSON.parse(table.getAttribute("data-labels"));
  var tbody = table.querySelector("tbody");
  var dialog = document.getElementById("action-dialog");
  var form = document.getElementById("action-form");
  var onlySilentBox = document.getElementById("only-silent");
  var POLL_MS = 3000, FULL_EVERY_MS = 60000;
  var pending = null, version = 0, lastFull = 0, timer = null, inFlight = false, again = false;
  var rows = {};            // participant id -> {values, key, tr, cells}
  var col = {};             // column name -> index in a row's values
  var sessionState = null, silentAfter = 60, lockedRows = [];

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
  function setText(el, text) { if (el.textContent !== text) { el.textContent = text; } }
  function button(container, action, label, target) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.setAttribute("data-action", action);
    b.addEventListener("click", function () { openDialog(action, target); });
    container.appendChild(b);
  }
  /* Natural seat order, as live.seat_order: 2 before 10, A-2 before A-10, empty last. */
  function seatKey(seat) { return (seat || "").trim().match(/\d+|\D+/g) || []; }
  function compareSeats(a, b) {
    var x = seatKey(a), y = seatKey(b);
    if (!x.length || !y.length) { return (!x.length) - (!y.length); }
    for (var i = 0; i < Math.min(x.length, y.length); i++) {
      var xd = /^\d/.test(x[i]), yd = /^\d/.test(y[i]);
      if (xd !== yd) { return xd ? -1 : 1; }
      if (xd && parseInt(x[i], 10) !== parseInt(y[i], 10)) { return parseInt(x[i], 10) - parseInt(y[i], 10); }
      if (!xd && x[i] !== y[i]) { return x[i] < y[i] ? -1 : 1; }
    }
    return x.length - y.length;
  }
  /* A candidate as the table shows it, from the row's values and the server's time now. */
  function candidate(values, nowMs) {
    var c = {};
    Object.keys(col).forEach(function (name) { c[name] = values[col[name]]; });
    c.seconds_left = null; c.last_contact_seconds = null; c.silent = false;
    if (c.attempt_id) {
      if (c.state !== "finished") {
        var ref = c.state === "paused" && c.paused_ms !== null ? c.paused_ms : nowMs;
        c.seconds_left = Math.max(0, Math.floor((c.deadline_ms - ref) / 1000));
      }
      if (c.contact_ms !== null) { c.last_contact_seconds = Math.floor((nowMs - c.contact_ms) / 1000); }
      c.silent = c.state === "in_progress" && (c.last_contact_seconds === null || c.last_contact_seconds > silentAfter);
    }
    return c;
  }
  /* Build a row's cells once; the clock-driven cells are refreshed by tick(). */
  function buildRow(entry, c) {
    var tr = document.createElement("tr");
    tr.setAttribute("data-participant", c.participant_id);
    cell(tr, c.seat || c.terminal_seat || "");
    cell(tr, c.name);
    var st = cell(tr, "", "state");
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
    var timeLeft = cell(tr, "—", "time-left");
    cell(tr, c.state === "finished" && c.score !== null ? c.score + " / " + c.max_points : "—", "score");
    cell(tr, c.state === "finished" && c.verdict ? (labels[c.verdict] || c.verdict) : "—", "verdict");
    var contact = cell(tr, "—", "contact");
    cell(tr, c.terminal_id ? fmt(labels.seat, { seat: c.terminal_seat || "—" }) + " · #" + c.terminal_id +
      (c.terminal_state === "locked" ? " (" + labels.locked + ")" : "") : "—", "terminal");
    var actions = cell(tr, "", "actions");
    if (sessionState !== "closed" || c.state === "in_progress" || c.state === "paused") {
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
    entry.tr = tr;
    entry.cells = { state: st, timeLeft: timeLeft, contact: contact };
    entry.silent = null;
  }
  /* The cells that move with the clock: time left, last contact, silence (and the filter). */
  function tick(entry, nowMs, onlySilent) {
    var c = candidate(entry.values, nowMs);
    setText(entry.cells.timeLeft, c.attempt_id && c.state !== "finished" ? clockText(c.seconds_left) : "—");
    setText(entry.cells.contact, c.last_contact_seconds === null ? "—" : fmt(labels.seconds_ago, { n: c.last_contact_seconds }));
    if (entry.silent !== c.silent) {
      entry.silent = c.silent;
      entry.tr.className = c.state + (c.silent ? " silent" : "");
      setText(entry.cells.state, (labels[c.state] || c.state) + (c.silent ? " · " + labels.silent : ""));
    }
    var shown = !onlySilent || c.silent;
    var moved = entry.shown !== shown;
    entry.shown = shown;
    return moved;
  }
  function lockedTerminalRows(terminals, nowMs) {
    return terminals.filter(function (t) { return t.state === "locked"; }).map(function (t) {
      var tr = document.createElement("tr");
      tr.className = "locked-terminal";
      cell(tr, t.seat); cell(tr, "#" + t.id); cell(tr, labels.locked, "state");
      cell(tr, ""); cell(tr, ""); cell(tr, ""); cell(tr, "");
      cell(tr, t.last_seen_ms === null ? "—" : fmt(labels.seconds_ago, { n: Math.floor((nowMs - t.last_seen_ms) / 1000) }));
      cell(tr, "#" + t.id);
      button(cell(tr, "", "actions"), "unlock", labels.unlock, { terminal_id: t.id, name: "#" + t.id });
      return tr;
    });
  }
  function apply(data) {
    data.columns.forEach(function (name, i) { col[name] = i; });
    silentAfter = data.silent_after_seconds;
    var state = document.getElementById("live-session-state");
    state.textContent = labels[data.session.state] || data.session.state;
    state.className = "badge " + data.session.state;
    setText(document.getElementById("live-updated"), fmt(labels.updated, { time: data.now_local }));
    var counts = [];
    Object.keys(data.counts).sort().forEach(function (k) { counts.push((labels[k] || k) + ": " + data.counts[k]); });
    setText(document.getElementById("live-counts"), counts.join(" · "));
    var silentCount = data.counts.silent || 0;
    var silentEl = document.getElementById("silent-count");
    setText(silentEl, fmt(labels.silent_count, { n: silentCount }));
    silentEl.classList.toggle("alert", silentCount > 0);
    document.getElementById("close-session").disabled = data.session.state === "closed";
    var rebuildAll = sessionState !== data.session.state;  // the actions a row offers depend on it
    sessionState = data.session.state;
    var reorder = data.full, seen = {};
    data.rows.forEach(function (values) {
      var pid = values[col.participant_id], key = JSON.stringify(values), entry = rows[pid];
      seen[pid] = true;
      if (entry && entry.key === key && !rebuildAll) { return; }
      if (!entry) { entry = rows[pid] = {}; reorder = true; }
      else if (entry.values[col.seat] !== values[col.seat]) { reorder = true; }
      var old = entry.tr;
      entry.values = values; entry.key = key;
      buildRow(entry, candidate(values, data.now_ms));
      if (old && old.parentNode) { old.parentNode.replaceChild(entry.tr, old); }
    });
    var moved = {};
    (data.move_columns || []).forEach(function (name, i) { moved[name] = i; });
    (data.moves || []).forEach(function (move) {
      // A move changes the time of contact (counted by tick) and the answered count (its cell is drawn again).
      var entry = rows[move[moved.participant_id]];
      if (!entry || entry.values[col.attempt_id] === null) { return; }  // a row it does not know yet comes whole
      var values = entry.values.slice(), drawn = values[col.answered];
      values[col.answered] = move[moved.answered];
      values[col.contact_ms] = move[moved.contact_ms];
      entry.values = values; entry.key = JSON.stringify(values);
      if (drawn !== values[col.answered] && !rebuildAll) {  // (with rebuildAll: drawn below)
        var old = entry.tr;
        buildRow(entry, candidate(values, data.now_ms));
        if (old && old.parentNode) { old.parentNode.replaceChild(entry.tr, old); }
      }
    });
    Object.keys(rows).forEach(function (pid) {
      var entry = rows[pid];
      if (data.full && !seen[pid]) { if (entry.tr.parentNode) { entry.tr.remove(); } delete rows[pid]; return; }
      if (rebuildAll && !seen[pid]) {
        var old = entry.tr;
        buildRow(entry, candidate(entry.values, data.now_ms));
        if (old.parentNode) { old.parentNode.replaceChild(entry.tr, old); }
      }
    });
    var onlySilent = onlySilentBox.checked;
    var ordered = Object.keys(rows).map(function (pid) { return rows[pid]; });
    ordered.forEach(function (entry) { if (tick(entry, data.now_ms, onlySilent)) { reorder = true; } });
    lockedRows.forEach(function (tr) { tr.remove(); });
    lockedRows = onlySilent ? [] : lockedTerminalRows(data.terminals, data.now_ms);
    if (reorder) {  // rows came, went, moved seat, or the silent filter shows other rows: place them again
      ordered.sort(function (a, b) {
        var x = a.values, y = b.values;
        return compareSeats(x[col.seat], y[col.seat]) || (x[col.name] < y[col.name] ? -1 : x[col.name] > y[col.name] ? 1 : 0) ||
          x[col.participant_id] - y[col.participant_id];
      });
      var fresh = document.createDocumentFragment();
      ordered.forEach(function (entry) { if (entry.shown) { fresh.appendChild(entry.tr); } });
      tbody.replaceChildren(fresh);
    }
    lockedRows.forEach(function (tr) { tbody.appendChild(tr); });
    lastData = data;
  }
  function showError(text) {
    var el = document.getElementById("live-error");
    el.textContent = text || "";
    el.classList.toggle("hidden", !text);
  }
  function poll() {
    window.clearTimeout(timer);
    if (inFlight) { again = true; return; }
    inFlight = true;
    var full = !version || Date.now() - lastFull > FULL_EVERY_MS;
    var url = table.getAttribute("data-url") + "?since=" + (full ? 0 : version);
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        showError("");
        if (data.full) { lastFull = Date.now(); }
        apply(data);
        version = data.version;
      })
      .catch(function () { showError(labels.connection); })
      .then(function () {
        inFlight = false;
        timer = window.setTimeout(poll, again ? 0 : POLL_MS);
        again = false;
      });
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
      poll();  // the change shows at once
    }, function () { document.getElementById("action-error").textContent = labels.connection; });
  });
  document.getElementById("action-cancel").addEventListener("click", function () { dialog.close(); });
  var lastData = null;
  onlySilentBox.addEventListener("change", function () {
    if (lastData) { apply({ columns: lastData.columns, silent_after_seconds: lastData.silent_after_seconds,
                            session: lastData.session, now_ms: lastData.now_ms, now_local: lastData.now_local,
                            counts: lastData.counts, terminals: lastData.terminals, rows: [], full: false }); }
  });
  document.getElementById("close-session").addEventListener("click", function () { openDialog("close", { name: "" }); });
  poll();
})();
