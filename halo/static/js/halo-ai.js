// AI Draft streams into the composer: the job's writes arrive over the agent socket
// (#ai-draft-feed, swapped in out of band), and polling the draft is the safety net (every
// 200 ms while the socket is down, every 1.5 s while it is live). Insert buttons fill it.
(function () {
  "use strict";
  var RANK = { pending: 0, streaming: 1, done: 2, failed: 2 };
  var TOO_LONG = 180000;  // ms
  var current = null;  // the draft being written into the composer

  function csrf() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }
  function box() { return document.querySelector("#composer textarea[name=body]"); }
  function el(id) { return document.getElementById(id) || { set textContent(v) {}, set innerHTML(v) {}, dataset: {} }; }
  function socketLive() {
    var s = document.getElementById("live-socket");
    return !!s && s.dataset.state === "live";
  }

  function fill(text) {
    var b = box();
    if (!b) return;
    b.value = text;
    b.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function finish(btn, message) {
    if (current) clearTimeout(current.timer);
    current = null;
    el("ai-draft-status").textContent = message;
    btn.disabled = false;
  }

  // One copy of the draft, pushed or polled. The two can cross on the way: never go back
  // to an earlier copy (a lower state, or the same state with less text).
  function update(draft, via) {
    var c = current;
    if (!c || !draft || draft.id !== c.id) return;
    var rank = RANK[draft.state] || 0, length = (draft.text || "").length;
    if (rank < c.rank || (rank === c.rank && length < c.length)) return;
    c.rank = rank;
    c.length = length;
    el("ai-draft-status").dataset.via = via;
    if (draft.text) { fill(draft.text); c.wrote = true; }
    if (draft.state === "done") {
      el("ai-draft-sources").innerHTML = draft.sources_html;
      var b = box();
      if (b) b.focus();
      return finish(c.btn, draft.offline ? haloT("Offline draft ready to edit.") : haloT("Draft ready to edit."));
    }
    if (draft.state === "failed") {
      if (c.wrote) fill("");
      return finish(c.btn, draft.error || haloT("The draft failed."));
    }
    el("ai-draft-status").textContent = draft.state === "streaming" ? haloT("Writing…") : haloT("Reading the ticket…");
  }

  function schedule(c) {
    clearTimeout(c.timer);
    c.timer = setTimeout(function () { poll(c); }, socketLive() ? 1500 : 200);
  }

  function poll(c) {
    if (current !== c) return;
    if (Date.now() - c.started > TOO_LONG) return finish(c.btn, haloT("The draft is taking too long. Try again."));
    fetch(c.poll, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (draft) {
        update(draft, "poll");
        if (current === c) schedule(c);
      })
      .catch(function () { if (current === c) finish(c.btn, haloT("Lost contact with Halo. Try again.")); });
  }

  function start(btn) {
    btn.disabled = true;
    el("ai-draft-status").textContent = haloT("Reading the ticket…");
    el("ai-draft-sources").innerHTML = "";
    var form = new FormData();
    form.append("mode", btn.getAttribute("data-mode"));
    fetch(btn.getAttribute("data-url"), { method: "POST", body: form, credentials: "same-origin",
                                          headers: { "X-CSRFToken": csrf(), "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (draft) {
        if (!draft.poll) return finish(btn, draft.error || haloT("Could not start a draft."));
        current = { id: draft.id, btn: btn, poll: draft.poll, rank: -1, length: -1, wrote: false,
                    started: Date.now(), timer: null };
        var c = current;
        update(draft, "start");
        if (current === c) schedule(c);
      })
      .catch(function () { finish(btn, haloT("Could not start a draft.")); });
  }

  // The agent socket swapped in a new copy of a draft (only the asking agent's page gets it).
  document.addEventListener("htmx:oobAfterSwap", function (ev) {
    if (!ev.target || ev.target.id !== "ai-draft-feed" || !ev.target.textContent) return;
    var draft;
    try { draft = JSON.parse(ev.target.textContent); } catch (e) { return; }
    update(draft, "socket");
  });

  // HaloPilot's answers scroll in their own box (halo.css): keep the newest in sight.
  function pilotToEnd() {
    var log = document.getElementById("pilot-log");
    if (log) log.scrollTop = log.scrollHeight;
  }
  document.addEventListener("htmx:load", function (ev) {
    if (ev.target.closest && ev.target.closest("#pilot-log")) pilotToEnd();
  });
  pilotToEnd();

  document.addEventListener("click", function (ev) {
    var drafter = ev.target.closest("[data-ai-draft]");
    if (drafter) { ev.preventDefault(); return start(drafter); }
    var insert = ev.target.closest("[data-ai-insert]");
    if (insert) {
      ev.preventDefault();
      fill(insert.getAttribute("data-ai-insert"));
      var b = box();
      if (b) b.focus();
    }
  });
})();
