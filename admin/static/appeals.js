// Journal player of the appeal review screen: step, play, jump to a question.
// The steps table is rendered by the server (readable without JavaScript);
// this only moves a highlighted cursor over it and scrolls the question into view.
(function () {
  "use strict";
  function ready(fn) { if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn); }
  ready(function () {
    var data = document.getElementById("replay-data");
    var player = document.getElementById("player");
    if (!data || !player) return;
    var steps = JSON.parse(data.textContent).steps;
    var rows = player.querySelectorAll("#steps tbody tr");
    var now = document.getElementById("step-now");
    var playBtn = document.getElementById("step-play");
    var jump = document.getElementById("jump");
    var cursor = -1, timer = null;

    var words = JSON.parse(data.textContent).words || {};
    // Words come from the server in the reader's language (kinds, inputs), never event codes.
    function describe(s) {
      var parts = ["№ " + s.seq, s.kind_label || s.kind];
      if (s.slot) parts.push((words.question || "") + " " + s.slot);
      if (s.input_label || s.detail_label) parts.push(s.input_label || s.detail_label);
      if (s.letters) parts.push((words.answer_became || "") + " " + s.letters);
      parts.push(s.server_time);
      if (s.client_time) parts.push("(" + s.client_time + ")");
      return parts.join(" · ");
    }
    function show(i) {
      if (!steps.length) return;
      cursor = Math.max(0, Math.min(steps.length - 1, i));
      rows.forEach(function (r, n) { r.classList.toggle("current", n === cursor); r.setAttribute("aria-current", n === cursor ? "step" : "false"); });
      var s = steps[cursor];
      now.textContent = (cursor + 1) + " / " + steps.length + ": " + describe(s) + (s.chain_ok ? "" : " ⚠");
      now.classList.toggle("bad", !s.chain_ok);
      rows[cursor].scrollIntoView({block: "nearest"});
      document.querySelectorAll("#questions tr.focus").forEach(function (r) { r.classList.remove("focus"); });
      if (s.slot) {
        var q = document.getElementById("q-" + s.slot);
        if (q) q.classList.add("focus");
        if (jump) jump.value = String(s.slot);
      }
      if (cursor === steps.length - 1) stop();
    }
    function stop() { if (timer) { clearInterval(timer); timer = null; } playBtn.textContent = "▶ " + playBtn.dataset.play; }
    function play() {
      if (timer) { stop(); return; }
      if (cursor >= steps.length - 1) cursor = -1;
      playBtn.textContent = "❚❚ " + playBtn.dataset.pause;
      timer = setInterval(function () { show(cursor + 1); }, 900);
    }
    function jumpTo(slot) {
      // The first event on that question after the cursor, else the first at all.
      var later = -1, first = -1;
      steps.forEach(function (s, n) { if (s.slot === slot) { if (first < 0) first = n; if (n > cursor && later < 0) later = n; } });
      var target = later >= 0 ? later : first;
      if (target >= 0) show(target);
      var q = document.getElementById("q-" + slot);
      if (q) { q.scrollIntoView({block: "center"}); }
    }
    var actions = {
      first: function () { stop(); show(0); }, prev: function () { stop(); show(cursor - 1); },
      next: function () { stop(); show(cursor + 1); }, last: function () { stop(); show(steps.length - 1); },
      play: play
    };
    player.querySelectorAll("[data-act]").forEach(function (b) {
      b.addEventListener("click", function () { actions[b.dataset.act](); });
    });
    if (jump) jump.addEventListener("change", function () { jumpTo(parseInt(jump.value, 10)); });
    document.addEventListener("keydown", function (e) {
      var tag = (e.target.tagName || "").toLowerCase();
      if (tag === "input" || tag === "textarea" || tag === "select" || e.altKey || e.ctrlKey || e.metaKey) return;
      var key = {ArrowRight: "next", ArrowLeft: "prev", Home: "first", End: "last", " ": "play"}[e.key];
      if (key) { e.preventDefault(); actions[key](); return; }
      if (e.key === "j" || e.key === "J") { e.preventDefault(); if (jump) jump.focus(); }
    });
  });
})();
