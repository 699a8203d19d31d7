// AI Draft streams into the composer (polling the draft the job writes); Insert buttons fill it.
(function () {
  "use strict";
  function csrf() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }
  function box() { return document.querySelector("#composer textarea[name=body]"); }
  function el(id) { return document.getElementById(id) || { set textContent(v) {}, set innerHTML(v) {} }; }

  function fill(text) {
    var b = box();
    if (!b) return;
    b.value = text;
    b.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function finish(btn, message) {
    el("ai-draft-status").textContent = message;
    btn.disabled = false;
  }

  function poll(draft, btn, rounds, wrote) {
    if (draft.text) { fill(draft.text); wrote = true; }
    if (draft.state === "done") {
      el("ai-draft-sources").innerHTML = draft.sources_html;
      var b = box();
      if (b) b.focus();
      return finish(btn, draft.offline ? "Offline draft ready to edit." : "Draft ready to edit.");
    }
    if (draft.state === "failed") {
      if (wrote) fill("");
      return finish(btn, draft.error || "The draft failed.");
    }
    if (rounds > 800) return finish(btn, "The draft is taking too long. Try again.");
    el("ai-draft-status").textContent = draft.state === "streaming" ? "Writing…" : "Reading the ticket…";
    setTimeout(function () {
      fetch(draft.poll, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (next) { poll(next, btn, rounds + 1, wrote); })
        .catch(function () { finish(btn, "Lost contact with Halo. Try again."); });
    }, 200);
  }

  function start(btn) {
    btn.disabled = true;
    el("ai-draft-status").textContent = "Reading the ticket…";
    el("ai-draft-sources").innerHTML = "";
    var form = new FormData();
    form.append("mode", btn.getAttribute("data-mode"));
    fetch(btn.getAttribute("data-url"), { method: "POST", body: form, credentials: "same-origin",
                                          headers: { "X-CSRFToken": csrf(), "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (draft) {
        if (!draft.poll) return finish(btn, draft.error || "Could not start a draft.");
        poll(draft, btn, 0, false);
      })
      .catch(function () { finish(btn, "Could not start a draft."); });
  }

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
