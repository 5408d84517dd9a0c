/* The kiosk: pairing/locked polling, the exam screen, the result screen.
 *
 * Every answer change becomes a journal event {seq, kind, payload, client_time}
 * kept in localStorage until the server acknowledges it, and sent one at a
 * time, in order. A queued event is dropped only when the server says the
 * attempt is over ("finished" / "deadline": resending cannot change that).
 * Anything else (CSRF or session lost, secret key changed, 5xx, an HTML page
 * instead of JSON, no network) keeps the queue: the kiosk fetches a fresh
 * session and CSRF token with its terminal cookie and resends in order.
 * The time left is computed from the server's deadline and the server-clock
 * offset of the last reply, never from the terminal's own clock.
 * Keyboard shortcuts use the physical key (event.code), so they work on the
 * Kyrgyz and Russian layouts too.
 */
(function () {
  "use strict";

  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = (meta || {}).content || "";

  // No context menu, no copying of questions (invigilation rules).
  document.addEventListener("contextmenu", function (e) { e.preventDefault(); });
  document.addEventListener("copy", function (e) { e.preventDefault(); });
  document.addEventListener("dragstart", function (e) { e.preventDefault(); });

  // Reload when the polled field reaches a value: a pairing or locked screen
  // waits for "enrolled"; the code screen waits for a test the proctor moved here.
  function pollUntil(el) {
    var url = el.getAttribute("data-poll"), until = el.getAttribute("data-until");
    var field = el.getAttribute("data-field") || "state";
    var every = parseInt(el.getAttribute("data-every") || "2000", 10);
    setInterval(function () {
      fetch(url, {credentials: "same-origin", cache: "no-store"})
        .then(function (r) { return r.json(); })
        .then(function (body) { if (body[field] === until) { location.reload(); } })
        .catch(function () {});
    }, every);
  }

  function jsonFetch(url, body) {
    var init = {credentials: "same-origin", cache: "no-store", headers: {"X-CSRFToken": csrf}};
    if (body !== undefined) {
      init.method = "POST";
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(url, init).then(function (r) {
      // A proxy's or a login page's HTML is not an answer: body {} and json false.
      return r.json().then(function (data) {
        return {status: r.status, body: data && typeof data === "object" ? data : {}, json: true};
      }, function () { return {status: r.status, body: {}, json: false}; });
    });
  }

  // A new session (and CSRF token) for this terminal, obtained with its terminal cookie.
  function renewSession() {
    var url = document.body.getAttribute("data-session-url");
    return jsonFetch(url).then(function (r) {
      if (r.status === 200 && r.body.csrf) {
        csrf = r.body.csrf;
        if (meta) { meta.content = csrf; }
        document.querySelectorAll('input[name="csrf_token"]').forEach(function (i) { i.value = csrf; });
        return true;
      }
      return false;
    });
  }

  /* The kiosk's own confirmation dialog. ask(text, okLabel, withCancel) -> Promise<bool>. */
  function ask(text, okLabel, withCancel) {
    var dlg = document.getElementById("kiosk-dialog");
    var ok = document.getElementById("kiosk-dialog-ok"), cancel = document.getElementById("kiosk-dialog-cancel");
    if (!ok.getAttribute("data-label")) { ok.setAttribute("data-label", ok.textContent); }
    document.getElementById("kiosk-dialog-text").textContent = text;
    ok.textContent = okLabel || ok.getAttribute("data-label");
    cancel.hidden = !withCancel;
    var back = document.activeElement;
    return new Promise(function (resolve) {
      function close(answer) {
        ok.removeEventListener("click", yes);
        cancel.removeEventListener("click", no);
        dlg.removeEventListener("cancel", esc);
        if (dlg.open) { dlg.close(); }
        if (back && back.focus) { back.focus(); }
        resolve(answer);
      }
      function yes() { close(true); }
      function no() { close(false); }
      function esc(e) { e.preventDefault(); close(false); }
      ok.addEventListener("click", yes);
      cancel.addEventListener("click", no);
      dlg.addEventListener("cancel", esc);
      dlg.showModal();
      (withCancel ? cancel : ok).focus();
    });
  }

  function Exam(root) {
    this.root = root;
    this.text = JSON.parse(document.getElementById("kiosk-text").textContent);
    this.urls = {
      state: root.getAttribute("data-state-url"), events: root.getAttribute("data-events-url"),
      finish: root.getAttribute("data-finish-url"), result: root.getAttribute("data-result-url")
    };
    var id = root.getAttribute("data-attempt");
    this.key = "kiosk-queue-" + id;
    this.prefsKey = "kiosk-prefs-" + id;
    this.queue = [];
    this.sending = false;
    this.offset = 0;
    this.pollEvery = 15000;  // until the server says otherwise (poll_seconds)
    this.lastHeard = Date.now();
    this.deadline = null;
    this.state = "in_progress";
    this.cursor = 0;
    this.ending = false;
    this.retryTimer = null;
    this.warned = {};
  }

  Exam.prototype.fmt = function (s, vars) {
    return s.replace(/%\((\w+)\)s/g, function (_m, k) { return vars[k]; });
  };

  // The page carries the full state as it was rendered (one request fewer at a hall's
  // start); a page without it, or a retry, asks the state endpoint.
  Exam.prototype.load = function () {
    var self = this, el = document.getElementById("exam-state"), first = null;
    this.prefs();
    try { first = el ? JSON.parse(el.textContent) : null; } catch (e) { first = null; }
    if (first && first.questions) {
      try { this.begin({status: 200, body: first, json: true}); return; } catch (e) { /* ask the server */ }
    }
    this.fetchState();
  };

  Exam.prototype.fetchState = function () {
    var self = this;
    jsonFetch(this.urls.state + "?full=1").then(function (r) { self.begin(r); })
      .catch(function () { setTimeout(function () { self.fetchState(); }, 2000); });
  };

  Exam.prototype.begin = function (r) {
    var self = this, b = r.body;
    if ((r.status === 409 && b.error === "finished") || (r.status === 200 && b.state === "finished")) {
      self.toResult();
      return;
    }
    if (r.status === 404 && b.error === "no_attempt") { location.href = self.urls.result; return; }
    if (r.status !== 200 || !b.questions) {
      // A server error or not our JSON: keep the page, try again.
      renewSession().catch(function () {});
      setTimeout(function () { self.fetchState(); }, 2000);
      return;
    }
    self.questions = b.questions;
    self.answers = {};
    Object.keys(b.answers).forEach(function (k) { self.answers[k] = b.answers[k]; });
    self.flags = {};
    b.flags.forEach(function (s) { self.flags[s] = true; });
    self.current = b.current;
    self.nextSeq = b.last_seq + 1;
    try { self.queue = JSON.parse(localStorage.getItem(self.key) || "[]"); } catch (e) { self.queue = []; }
    // Events the server has not acknowledged yet are shown as given.
    self.queue.forEach(function (ev) {
      self.apply(ev);
      self.nextSeq = Math.max(self.nextSeq, ev.seq + 1);
    });
    self.sync(b);
    self.render();
    self.bind();
    self.tick();
    setInterval(function () { self.tick(); }, 250);
    self.lastPolled = 0;
    setInterval(function () {
      // Every acknowledged save answers with the same state and timing: the
      // heartbeat goes out only when nothing was heard for a whole interval.
      var now = Date.now();
      if (now - Math.max(self.lastHeard, self.lastPolled) >= self.pollEvery) {
        self.lastPolled = now;
        self.heartbeat();
      }
    }, 1000);
    self.flush();
  };

  /* Font size (3 steps) and high contrast, kept for this attempt. */
  Exam.prototype.prefs = function () {
    var self = this, p;
    try { p = JSON.parse(localStorage.getItem(this.prefsKey) || "{}"); } catch (e) { p = {}; }
    var size = Math.min(2, Math.max(0, p.size || 0)), contrast = !!p.contrast;
    function apply() {
      document.body.classList.remove("font-1", "font-2");
      if (size) { document.body.classList.add("font-" + size); }
      document.body.classList.toggle("contrast", contrast);
      document.getElementById("contrast").setAttribute("aria-pressed", contrast ? "true" : "false");
      document.getElementById("font-smaller").disabled = size === 0;
      document.getElementById("font-larger").disabled = size === 2;
      try { localStorage.setItem(self.prefsKey, JSON.stringify({size: size, contrast: contrast})); } catch (e) { /* ok */ }
    }
    document.getElementById("font-smaller").addEventListener("click", function () { size = Math.max(0, size - 1); apply(); });
    document.getElementById("font-larger").addEventListener("click", function () { size = Math.min(2, size + 1); apply(); });
    document.getElementById("contrast").addEventListener("click", function () { contrast = !contrast; apply(); });
    apply();
  };

  Exam.prototype.apply = function (ev) {
    var p = ev.payload;
    if (ev.kind === "answer") { this.answers[p.slot] = p.selected; }
    if (ev.kind === "flag") { this.flags[p.slot] = p.flagged; }
    if (ev.kind === "visit") { this.current = p.slot; }
  };

  Exam.prototype.sync = function (b) {
    this.lastHeard = Date.now();
    // The server says how often an idle kiosk should ask (EXAM_KIOSK_POLL_SECONDS).
    if (typeof b.poll_seconds === "number" && b.poll_seconds >= 2) { this.pollEvery = b.poll_seconds * 1000; }
    if (b.server_time) { this.offset = Date.parse(b.server_time) - Date.now(); }
    if (b.deadline) { this.deadline = Date.parse(b.deadline); }
    if (b.next_seq && b.next_seq > this.nextSeq && this.queue.length === 0) { this.nextSeq = b.next_seq; }
    if (typeof b.seconds_left === "number") { this.secondsLeft = b.seconds_left; }
    if (b.state) { this.setState(b.state); }
  };

  Exam.prototype.setState = function (state) {
    this.state = state;
    document.getElementById("paused").hidden = state !== "paused";
    if (state === "finished") { this.toResult(); }
  };

  // Only when the server says the attempt is finished: nothing queued can be recorded any more.
  Exam.prototype.toResult = function () {
    localStorage.removeItem(this.key);
    location.href = this.urls.result;
  };

  Exam.prototype.save = function () {
    try { localStorage.setItem(this.key, JSON.stringify(this.queue)); } catch (e) { /* full: keep in memory */ }
  };

  Exam.prototype.status = function (state) {
    // Never "saved" while anything waits to be acknowledged.
    if (state === "saved" && this.queue.length) { state = "saving"; }
    var el = document.getElementById("save-status");
    if (el.getAttribute("data-state") === state) { return; }
    el.setAttribute("data-state", state);
    el.textContent = this.text[state];
  };

  Exam.prototype.send = function (kind, payload) {
    if (this.state !== "in_progress" || this.ending) { return false; }
    var ev = {seq: this.nextSeq++, kind: kind, payload: payload, client_time: new Date().toISOString()};
    this.queue.push(ev);
    this.save();
    this.apply(ev);
    this.flush();
    return true;
  };

  Exam.prototype.retry = function (ms) {
    var self = this;
    if (this.retryTimer) { return; }
    this.retryTimer = setTimeout(function () { self.retryTimer = null; self.flush(); }, ms);
  };

  // The server did not take the event for a reason resending may fix: keep it,
  // get a fresh session (CSRF token) with the terminal cookie, try again.
  Exam.prototype.failed = function (r) {
    var self = this, csrfLost = r && r.status === 400 && r.body.error === "csrf";
    // A renewed token is tried at once, but only twice in a row: then every 2 s like any failure.
    this.quickRetries = csrfLost ? (this.quickRetries || 0) + 1 : 0;
    if (!csrfLost || this.quickRetries > 2) { this.status("offline"); }
    renewSession().then(function (ok) { self.retry(ok && csrfLost && self.quickRetries <= 2 ? 50 : 2000); },
                        function () { self.status("offline"); self.retry(2000); });
  };

  Exam.prototype.flush = function () {
    var self = this;
    if (this.sending) { return; }
    if (this.queue.length === 0) { this.status("saved"); return; }
    this.sending = true;
    if (document.getElementById("save-status").getAttribute("data-state") !== "offline") { this.status("saving"); }
    var ev = this.queue[0];
    jsonFetch(this.urls.events, ev).then(function (r) {
      self.sending = false;
      var b = r.body;
      if (r.status === 200 && b.ack && b.ack.seq === ev.seq) {
        self.quickRetries = 0;
        if (self.queue.length && self.queue[0].seq === ev.seq) { self.queue.shift(); }
        self.save();
        self.sync(b);
        self.flush();
      } else if (r.status === 409 && (b.error === "seq_gap" || b.error === "seq_taken") && typeof b.expected === "number") {
        // Renumber what is still pending from the number the server expects.
        self.queue.forEach(function (q, i) { q.seq = b.expected + i; });
        self.nextSeq = b.expected + self.queue.length;
        self.save();
        self.retry(200);
      } else if (r.status === 409 && b.error === "paused") {
        self.sync(b);
        self.status("paused");
        self.retry(3000);
      } else if (r.status === 409 && (b.error === "finished" || b.error === "deadline")) {
        // Refused for good: the attempt is over, nothing queued can be recorded.
        self.queue = [];
        self.save();
        self.toResult();
      } else {
        self.failed(r);
      }
    }).catch(function () {
      self.sending = false;
      self.failed(null);
    });
  };

  Exam.prototype.heartbeat = function () {
    var self = this;
    jsonFetch(this.urls.state).then(function (r) {
      var b = r.body;
      if (r.status === 200 && b.state) {
        self.sync(b);
        if (self.queue.length) { self.flush(); } else { self.status("saved"); }
      } else if (r.status === 409 && b.error === "finished") {
        self.toResult();
      } else if (r.status === 404 && b.error === "no_attempt" && !self.queue.length) {
        location.href = self.urls.result;
      } else {
        self.status("offline");
        renewSession().catch(function () {});
      }
    }).catch(function () { self.status("offline"); });
  };

  Exam.prototype.tick = function () {
    var left;
    if (this.state === "paused" || this.deadline === null) {
      left = this.secondsLeft || 0;
    } else {
      left = Math.max(0, Math.floor((this.deadline - (Date.now() + this.offset)) / 1000));
    }
    var m = Math.floor(left / 60), s = left % 60;
    var el = document.getElementById("timer");
    el.textContent = (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
    el.className = "timer" + (left < 300 ? " low" : "");
    if (this.state === "in_progress" && left > 0) {
      if (left <= 60) { this.warn("warn1"); } else if (left <= 300) { this.warn("warn5"); }
    }
    if (left === 0 && this.state === "in_progress" && !this.ending) { this.end("deadline"); }
  };

  /* A non-blocking notice (banner + assertive live region), once per threshold. */
  Exam.prototype.warn = function (which) {
    if (this.warned[which]) { return; }
    this.warned[which] = true;
    if (which === "warn1") { this.warned.warn5 = true; }
    var box = document.getElementById("time-warning");
    document.getElementById("time-warning-text").textContent = this.text[which];
    box.setAttribute("data-warning", which);
    box.hidden = false;
    document.getElementById("announce").textContent = this.text[which];
  };

  Exam.prototype.end = function (reason) {
    var self = this;
    this.ending = true;
    if (reason === "deadline") { document.getElementById("timeup").hidden = false; }
    var attempt = function () {
      if (self.queue.length) { self.flush(); setTimeout(attempt, 500); return; }
      jsonFetch(self.urls.finish, {confirm: true, reason: reason}).then(function (r) {
        var b = r.body;
        if (r.status === 200 && b.state === "finished") {
          self.toResult();
        } else if (r.status === 409 && b.error === "finished") {
          self.toResult();
        } else if (r.status === 404 && b.error === "no_attempt") {
          location.href = self.urls.result;
        } else if (r.status === 409 && (b.error === "not_yet" || b.error === "paused")) {
          self.sync(b);
          self.ending = false;
          document.getElementById("timeup").hidden = true;
        } else {
          renewSession().catch(function () {});
          setTimeout(attempt, 2000);
        }
      }).catch(function () { self.status("offline"); setTimeout(attempt, 2000); });
    };
    attempt();
  };

  Exam.prototype.q = function () { return this.questions[this.current - 1]; };

  Exam.prototype.go = function (slot) {
    if (slot < 1 || slot > this.questions.length) { return; }
    this.showReview(false);
    if (slot !== this.current) {
      this.cursor = 0;
      if (!this.send("visit", {slot: slot})) { this.current = slot; }
    }
    this.render();
  };

  Exam.prototype.choose = function (index, input) {
    var q = this.q();
    if (!q || index < 0 || index >= q.options.length) { return; }
    var id = q.options[index].id, old = this.answers[q.slot] || [], sel;
    this.cursor = index;
    if (q.type === "multiple") {
      sel = old.indexOf(id) >= 0 ? old.filter(function (x) { return x !== id; }) : old.concat([id]);
    } else {
      if (old.length === 1 && old[0] === id) { this.render(); return; }
      sel = [id];
    }
    sel.sort();
    this.send("answer", {slot: q.slot, selected: sel, input: input});
    this.render();
  };

  Exam.prototype.toggleFlag = function () {
    var q = this.q();
    if (q) { this.send("flag", {slot: q.slot, flagged: !this.flags[q.slot]}); this.render(); }
  };

  Exam.prototype.finishClicked = function () {
    var self = this;
    if (this.queue.length) {
      ask(this.text.not_saved, null, false);
      this.flush();
      return;
    }
    ask(this.text.confirm, this.text.finish, true).then(function (yes) { if (yes) { self.end("submitted"); } });
  };

  Exam.prototype.bind = function () {
    var self = this;
    document.getElementById("prev").addEventListener("click", function () { self.go(self.current - 1); });
    document.getElementById("next").addEventListener("click", function () { self.go(self.current + 1); });
    document.getElementById("flag").addEventListener("click", function () { self.toggleFlag(); });
    document.getElementById("to-review").addEventListener("click", function () { self.showReview(true); });
    document.getElementById("review-back").addEventListener("click", function () { self.showReview(false); });
    document.getElementById("finish").addEventListener("click", function () { self.finishClicked(); });
    document.getElementById("time-warning-ok").addEventListener("click", function () {
      document.getElementById("time-warning").hidden = true;
    });
    document.addEventListener("keydown", function (e) { self.onKey(e); });
  };

  /* Shortcuts by physical key (event.code): the same keys on the Latin, Kyrgyz
   * and Russian layouts. Enter and Space are left to the focused button, link
   * or summary (so Tab + Enter works everywhere); on the page itself they
   * choose the answer under the cursor. */
  Exam.prototype.onKey = function (e) {
    if (e.ctrlKey || e.altKey || e.metaKey || this.ending) { return; }
    if (document.getElementById("kiosk-dialog").open) { return; }
    var t = e.target, tag = t && t.tagName ? t.tagName : "";
    if (tag === "TEXTAREA" || tag === "INPUT" || tag === "SELECT") { return; }
    if (!document.getElementById("review").hidden) { return; }
    var code = e.code || "";
    if (!code && /^[1-9]$/.test(e.key)) { code = "Digit" + e.key; }   // virtual keyboards without a code
    var onControl = tag === "BUTTON" || tag === "A" || tag === "SUMMARY";
    var inPalette = t && t.classList && t.classList.contains("pal");
    var digit = /^(?:Digit|Numpad)([1-9])$/.exec(code);
    if (digit) { this.choose(parseInt(digit[1], 10) - 1, "key:" + digit[1]); }
    else if (code === "KeyF") { this.toggleFlag(); }
    else if (code === "ArrowLeft") { this.go(this.current - 1); }
    else if (code === "ArrowRight") { this.go(this.current + 1); }
    else if (inPalette && code === "Home") { this.go(1); }
    else if (inPalette && code === "End") { this.go(this.questions.length); }
    else if (code === "ArrowUp" || code === "ArrowDown") {
      var n = this.q().options.length;
      this.cursor = (this.cursor + (code === "ArrowUp" ? n - 1 : 1)) % n;
      this.render();
      var opt = document.querySelectorAll("#question .option")[this.cursor];
      if (opt && (!tag || tag === "BODY")) { opt.focus(); }
    } else if ((code === "Enter" || code === "NumpadEnter" || code === "Space") && !onControl) {
      this.choose(this.cursor, "key:" + code);
    } else { return; }
    e.preventDefault();
  };

  Exam.prototype.showReview = function (on) {
    var self = this;
    document.getElementById("review").hidden = !on;
    document.getElementById("question").hidden = on;
    document.getElementById("nav-buttons").hidden = on;
    if (!on) { return; }
    var unanswered = [], flagged = [];
    this.questions.forEach(function (q) {
      if (!(self.answers[q.slot] || []).length) { unanswered.push(q.slot); }
      if (self.flags[q.slot]) { flagged.push(q.slot); }
    });
    document.getElementById("review-summary").textContent = this.fmt(this.text.summary,
      {answered: this.questions.length - unanswered.length, total: this.questions.length});
    [["review-unanswered", unanswered], ["review-flagged", flagged]].forEach(function (pair) {
      var el = document.getElementById(pair[0]);
      el.textContent = pair[1].length ? "" : self.text.none;
      pair[1].forEach(function (slot) {
        var b = document.createElement("button");
        b.type = "button"; b.className = "jump"; b.textContent = slot;
        b.addEventListener("click", function () { self.go(slot); });
        el.appendChild(b);
      });
    });
    document.getElementById("review-offline").hidden = this.queue.length === 0;
    document.getElementById("review-heading").setAttribute("tabindex", "-1");
    document.getElementById("review-heading").focus();
  };

  Exam.prototype.render = function () {
    var self = this, q = this.q(), sel = this.answers[q.slot] || [];
    // The option and palette buttons are rebuilt: keep the keyboard focus where it was.
    var active = document.activeElement, refocus = null;
    if (active && active.classList && active.classList.contains("option")) { refocus = "option"; }
    if (active && active.classList && active.classList.contains("pal")) { refocus = "pal"; }
    var box = document.getElementById("question");
    box.textContent = "";
    var h = document.createElement("h1");
    h.id = "question-heading";
    h.textContent = this.fmt(this.text.question, {n: q.slot, total: this.questions.length});
    if (this.flags[q.slot]) {
      var f = document.createElement("span"); f.className = "flag-mark"; f.textContent = " ⚑ " + this.text.flagged;
      h.appendChild(f);
    }
    box.appendChild(h);
    var p = document.createElement("p"); p.className = "qtext"; p.id = "qtext"; p.textContent = q.text; box.appendChild(p);
    var hint = document.createElement("p"); hint.className = "hint"; hint.textContent = this.text[q.type] || "";
    box.appendChild(hint);
    var multiple = q.type === "multiple";
    var list = document.createElement("div");
    list.className = "options " + (multiple ? "multiple" : "single");
    list.setAttribute("role", multiple ? "group" : "radiogroup");
    list.setAttribute("aria-labelledby", "qtext");
    q.options.forEach(function (o, i) {
      var b = document.createElement("button"), on = sel.indexOf(o.id) >= 0;
      b.type = "button";
      b.className = "option" + (on ? " selected" : "") + (i === self.cursor ? " cursor" : "");
      b.setAttribute("role", multiple ? "checkbox" : "radio");
      b.setAttribute("aria-checked", on ? "true" : "false");
      b.setAttribute("data-option", o.id);
      b.setAttribute("data-index", i);
      var m = document.createElement("span"); m.className = "mark " + (multiple ? "check" : "radio");
      m.setAttribute("aria-hidden", "true");
      var l = document.createElement("span"); l.className = "label"; l.textContent = (i + 1) + " " + (self.text.labels[i] || "");
      var t = document.createElement("span"); t.className = "otext"; t.textContent = o.text;
      b.appendChild(m); b.appendChild(l); b.appendChild(t);
      b.addEventListener("click", function () { self.choose(i, "click"); });
      list.appendChild(b);
    });
    box.appendChild(list);
    document.getElementById("flag").textContent = this.flags[q.slot] ? this.text.unflag : this.text.flag;
    document.getElementById("prev").disabled = q.slot === 1;
    document.getElementById("next").disabled = q.slot === this.questions.length;
    var pal = document.getElementById("palette");
    pal.textContent = "";
    this.questions.forEach(function (qq) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = qq.slot;
      b.className = "pal" + ((self.answers[qq.slot] || []).length ? " answered" : " unanswered")
        + (self.flags[qq.slot] ? " flagged" : "") + (qq.slot === q.slot ? " current" : "");
      b.setAttribute("data-slot", qq.slot);
      // Roving tabindex: the palette is one stop of the Tab order (arrows move within it).
      b.tabIndex = qq.slot === q.slot ? 0 : -1;
      if (qq.slot === q.slot) { b.setAttribute("aria-current", "true"); }
      b.addEventListener("click", function () { self.go(qq.slot); });
      pal.appendChild(b);
    });
    if (refocus === "option") {
      var o = list.children[this.cursor] || list.children[0];
      if (o) { o.focus(); }
    } else if (refocus === "pal") {
      pal.querySelector(".pal.current").focus();
    }
  };

  /* Result screen: print without leaving the kiosk; "Close" asks first while an appeal may still be filed. */
  function resultPage() {
    var print = document.getElementById("print");
    if (print) {
      print.addEventListener("click", function (e) {
        e.preventDefault();
        var frame = document.getElementById("print-frame");
        if (frame) { frame.remove(); }
        frame = document.createElement("iframe");
        frame.id = "print-frame";
        frame.className = "print-frame";
        frame.setAttribute("aria-hidden", "true");
        frame.tabIndex = -1;
        frame.addEventListener("load", function () {
          try { frame.contentWindow.focus(); frame.contentWindow.print(); } catch (err) { /* the browser prints nothing */ }
        });
        frame.src = print.getAttribute("href");
        document.body.appendChild(frame);
      });
    }
    var done = document.getElementById("done-form");
    if (done && done.hasAttribute("data-ask")) {
      done.addEventListener("submit", function (e) {
        if (done.getAttribute("data-confirmed")) { return; }
        e.preventDefault();
        ask(done.getAttribute("data-ask"), done.getAttribute("data-ok"), true).then(function (yes) {
          if (yes) { done.setAttribute("data-confirmed", "1"); done.submit(); }
        });
      });
    }
  }

  /* Pairing survives a browser crash: the terminal secret is also kept in
   * IndexedDB, written with a "strict" (flushed to disk) transaction, because
   * Chromium writes new cookies to disk only every ~30 s. A browser that comes
   * back without its cookie gets a fresh pairing page; before keeping the new
   * secret, it asks the server to restore the one it had (unless revoked). */
  function idb(mode, fn) {
    return new Promise(function (resolve, reject) {
      var open = indexedDB.open("kiosk-terminal", 1);
      open.onupgradeneeded = function () { open.result.createObjectStore("terminal"); };
      open.onerror = function () { reject(open.error); };
      open.onsuccess = function () {
        var tx = open.result.transaction("terminal", mode, {durability: "strict"}), result = null;
        var req = fn(tx.objectStore("terminal"));
        req.onsuccess = function () { result = req.result; };
        tx.oncomplete = function () { open.result.close(); resolve(result); };
        tx.onerror = tx.onabort = function () { open.result.close(); reject(tx.error); };
      };
    });
  }

  function keepTerminal(el) {
    var fresh = el.getAttribute("data-terminal-secret"), url = el.getAttribute("data-restore-url");
    if (!window.indexedDB) { return; }
    function store() { return idb("readwrite", function (s) { return s.put(fresh, "secret"); }); }
    idb("readonly", function (s) { return s.get("secret"); }).then(function (old) {
      if (!old || old === fresh) { return store(); }
      return jsonFetch(url, {secret: old}).then(function (r) {
        if (r.status === 200 && r.body.state) { location.replace(document.body.getAttribute("data-sw-scope")); }
        else { return store(); }
      });
    }).catch(function () {});
  }

  function registerServiceWorker() {
    var url = document.body.getAttribute("data-sw");
    if (url && "serviceWorker" in navigator) {
      navigator.serviceWorker.register(url, {scope: document.body.getAttribute("data-sw-scope")}).catch(function () {});
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    registerServiceWorker();
    var poll = document.querySelector("[data-poll]");
    if (poll) { pollUntil(poll); }
    var pairing = document.querySelector("[data-terminal-secret]");
    if (pairing) { keepTerminal(pairing); }
    var root = document.getElementById("exam");
    if (root) { window.kioskExam = new Exam(root); window.kioskExam.load(); }
    if (document.getElementById("result")) { resultPage(); }
  });
})();
