/* The kiosk: pairing/locked polling and the exam screen.
 *
 * Every answer change becomes a journal event {seq, kind, payload, client_time}
 * kept in localStorage until the server acknowledges it, and sent one at a
 * time, in order. The time left is computed from the server's deadline and the
 * server-clock offset of the last reply, never from the terminal's own clock.
 */
(function () {
  "use strict";

  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  // No context menu, no copying of questions (invigilation rules).
  document.addEventListener("contextmenu", function (e) { e.preventDefault(); });
  document.addEventListener("copy", function (e) { e.preventDefault(); });
  document.addEventListener("dragstart", function (e) { e.preventDefault(); });

  function pollUntil(el) {
    var url = el.getAttribute("data-poll"), until = el.getAttribute("data-until");
    setInterval(function () {
      fetch(url, {credentials: "same-origin", cache: "no-store"})
        .then(function (r) { return r.json(); })
        .then(function (body) { if (body.state === until) { location.reload(); } })
        .catch(function () {});
    }, 2000);
  }

  function jsonFetch(url, body) {
    var init = {credentials: "same-origin", cache: "no-store", headers: {"X-CSRFToken": csrf}};
    if (body !== undefined) {
      init.method = "POST";
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(url, init).then(function (r) {
      return r.json().then(function (data) { return {status: r.status, body: data}; },
                           function () { return {status: r.status, body: {}}; });
    });
  }

  function Exam(root) {
    this.root = root;
    this.text = JSON.parse(document.getElementById("kiosk-text").textContent);
    this.urls = {
      state: root.getAttribute("data-state-url"), events: root.getAttribute("data-events-url"),
      finish: root.getAttribute("data-finish-url"), result: root.getAttribute("data-result-url")
    };
    this.key = "kiosk-queue-" + root.getAttribute("data-attempt");
    this.queue = [];
    this.sending = false;
    this.offset = 0;
    this.deadline = null;
    this.state = "in_progress";
    this.cursor = 0;
    this.ending = false;
    this.retryTimer = null;
  }

  Exam.prototype.fmt = function (s, vars) {
    return s.replace(/%\((\w+)\)s/g, function (_m, k) { return vars[k]; });
  };

  Exam.prototype.load = function () {
    var self = this;
    jsonFetch(this.urls.state + "?full=1").then(function (r) {
      if (r.status !== 200 || r.body.state === "finished") { location.href = self.urls.result; return; }
      var b = r.body;
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
      setInterval(function () { self.heartbeat(); }, 5000);
      self.flush();
    }).catch(function () { setTimeout(function () { self.load(); }, 2000); });
  };

  Exam.prototype.apply = function (ev) {
    var p = ev.payload;
    if (ev.kind === "answer") { this.answers[p.slot] = p.selected; }
    if (ev.kind === "flag") { this.flags[p.slot] = p.flagged; }
    if (ev.kind === "visit") { this.current = p.slot; }
  };

  Exam.prototype.sync = function (b) {
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

  Exam.prototype.toResult = function () {
    localStorage.removeItem(this.key);
    location.href = this.urls.result;
  };

  Exam.prototype.save = function () {
    try { localStorage.setItem(this.key, JSON.stringify(this.queue)); } catch (e) { /* full: keep in memory */ }
  };

  Exam.prototype.status = function (state) {
    var el = document.getElementById("save-status");
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

  Exam.prototype.flush = function () {
    var self = this;
    if (this.sending) { return; }
    if (this.queue.length === 0) { this.status("saved"); return; }
    this.sending = true;
    if (document.getElementById("save-status").getAttribute("data-state") !== "offline") { this.status("saving"); }
    var ev = this.queue[0];
    jsonFetch(this.urls.events, ev).then(function (r) {
      self.sending = false;
      var b = r.body || {};
      if (r.status === 200) {
        if (self.queue.length && self.queue[0].seq === ev.seq) { self.queue.shift(); }
        self.save();
        self.sync(b);
        self.flush();
      } else if (r.status === 409 && (b.error === "seq_gap" || b.error === "seq_taken")) {
        // Renumber what is still pending from the number the server expects.
        self.queue.forEach(function (q, i) { q.seq = b.expected + i; });
        self.nextSeq = b.expected + self.queue.length;
        self.save();
        self.retry(200);
      } else if (r.status === 409 && b.error === "paused") {
        self.sync(b);
        self.status("paused");
        self.retry(3000);
      } else if (r.status === 409 || r.status === 404) {
        self.queue = [];
        self.save();
        self.toResult();
      } else if (r.status >= 400 && r.status < 500 && r.status !== 408 && r.status !== 429) {
        // Refused for good (validation): never retry it.
        self.queue.shift();
        self.save();
        self.flush();
      } else {
        self.status("offline");
        self.retry(2000);
      }
    }).catch(function () {
      self.sending = false;
      self.status("offline");
      self.retry(2000);
    });
  };

  Exam.prototype.heartbeat = function () {
    var self = this;
    jsonFetch(this.urls.state).then(function (r) {
      if (r.status === 200) { self.sync(r.body); if (self.queue.length) { self.flush(); } }
      else if (r.status === 409 || r.status === 404) { self.toResult(); }
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
    if (left === 0 && this.state === "in_progress" && !this.ending) { this.end("deadline"); }
  };

  Exam.prototype.end = function (reason) {
    var self = this;
    this.ending = true;
    if (reason === "deadline") { document.getElementById("timeup").hidden = false; }
    var attempt = function () {
      if (self.queue.length) { self.flush(); setTimeout(attempt, 500); return; }
      jsonFetch(self.urls.finish, {confirm: true, reason: reason}).then(function (r) {
        if (r.status === 200 || (r.status === 409 && r.body.error !== "not_yet" && r.body.error !== "paused")
            || r.status === 404) {
          self.toResult();
        } else if (r.status === 409) {
          self.sync(r.body);
          self.ending = false;
          document.getElementById("timeup").hidden = true;
        } else { setTimeout(attempt, 2000); }
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

  Exam.prototype.bind = function () {
    var self = this;
    document.getElementById("prev").addEventListener("click", function () { self.go(self.current - 1); });
    document.getElementById("next").addEventListener("click", function () { self.go(self.current + 1); });
    document.getElementById("flag").addEventListener("click", function () { self.toggleFlag(); });
    document.getElementById("to-review").addEventListener("click", function () { self.showReview(true); });
    document.getElementById("review-back").addEventListener("click", function () { self.showReview(false); });
    document.getElementById("finish").addEventListener("click", function () {
      if (self.queue.length) { alert(self.text.not_saved); self.flush(); return; }
      if (confirm(self.text.confirm)) { self.end("submitted"); }
    });
    var cyr = "АБВГДЕЖЗ", lat = "ABCDE";
    document.addEventListener("keydown", function (e) {
      if (e.ctrlKey || e.altKey || e.metaKey || self.ending || !document.getElementById("review").hidden) { return; }
      var k = e.key, up = k.length === 1 ? k.toUpperCase() : k, name = k === " " ? "Space" : k;
      if (/^[1-9]$/.test(k)) { self.choose(parseInt(k, 10) - 1, "key:" + k); }
      else if (up === "F") { self.toggleFlag(); }
      else if (cyr.indexOf(up) >= 0) { self.choose(cyr.indexOf(up), "key:" + up); }
      else if (lat.indexOf(up) >= 0) { self.choose(lat.indexOf(up), "key:" + up); }
      else if (k === "ArrowLeft") { self.go(self.current - 1); }
      else if (k === "ArrowRight") { self.go(self.current + 1); }
      else if (k === "ArrowUp" || k === "ArrowDown") {
        var n = self.q().options.length;
        self.cursor = (self.cursor + (k === "ArrowUp" ? n - 1 : 1)) % n;
        self.render();
      } else if (k === "Enter" || k === " ") { self.choose(self.cursor, "key:" + name); }
      else { return; }
      e.preventDefault();
    });
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
  };

  Exam.prototype.render = function () {
    var self = this, q = this.q(), sel = this.answers[q.slot] || [];
    var box = document.getElementById("question");
    box.textContent = "";
    var h = document.createElement("h2");
    h.textContent = this.fmt(this.text.question, {n: q.slot, total: this.questions.length});
    if (this.flags[q.slot]) {
      var f = document.createElement("span"); f.className = "flag-mark"; f.textContent = " ⚑ " + this.text.flagged;
      h.appendChild(f);
    }
    box.appendChild(h);
    var p = document.createElement("p"); p.className = "qtext"; p.textContent = q.text; box.appendChild(p);
    var hint = document.createElement("p"); hint.className = "hint"; hint.textContent = this.text[q.type] || "";
    box.appendChild(hint);
    var list = document.createElement("div"); list.className = "options"; list.setAttribute("role", "group");
    q.options.forEach(function (o, i) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "option" + (sel.indexOf(o.id) >= 0 ? " selected" : "") + (i === self.cursor ? " cursor" : "");
      b.setAttribute("aria-pressed", sel.indexOf(o.id) >= 0 ? "true" : "false");
      b.setAttribute("data-option", o.id);
      var l = document.createElement("span"); l.className = "label"; l.textContent = self.text.labels[i] || (i + 1);
      var t = document.createElement("span"); t.className = "otext"; t.textContent = o.text;
      b.appendChild(l); b.appendChild(t);
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
      b.addEventListener("click", function () { self.go(qq.slot); });
      pal.appendChild(b);
    });
  };

  document.addEventListener("DOMContentLoaded", function () {
    var poll = document.querySelector("[data-poll]");
    if (poll) { pollUntil(poll); }
    var root = document.getElementById("exam");
    if (root) { window.kioskExam = new Exam(root); window.kioskExam.load(); }
  });
})();
