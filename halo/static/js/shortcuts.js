// Keyboard shortcuts for the inbox and the ticket page; "?" lists them.
// They never fire while typing in a field, or with Ctrl/Alt/Meta held, or before the page
// has finished loading: keys typed then were meant for a field that was not there yet (a
// "/" lost before this script ran, then the search words), never for the ticket.
(function () {
  "use strict";

  const HELP = [
    ["j / k", haloT("Next / previous ticket")], ["o or Enter", haloT("Open the selected ticket")],
    ["x", haloT("Select the ticket for a bulk action")], ["r", haloT("Reply")], ["n", haloT("Internal note")],
    ["e", haloT("Resolve")], ["s", haloT("Snooze")], ["a", haloT("Assign to me")], ["t", haloT("Add a tag")], ["/", haloT("Search")],
    ["g i", haloT("Go to the Open inbox")], ["?", haloT("Show this list")], ["Esc", haloT("Close")],
  ];
  const LIST_KEY = "halo:ticket-list";
  let pendingG = false;

  const FIELDS = "input, textarea, select, [contenteditable=''], [contenteditable=true]";

  function typing(event) {
    return [event.target, document.activeElement].some((el) => el && el.closest && el.closest(FIELDS));
  }

  const loaded = () => document.readyState === "complete";

  function rows() { return [...document.querySelectorAll("#ticket-rows tr.ticket-row")]; }

  function ticketLinks() { return rows().map((r) => r.querySelector("a[href*='/tickets/']").getAttribute("href")); }

  function moveRow(step) {
    const all = rows();
    if (!all.length) return;
    const at = all.findIndex((r) => r.classList.contains("kbd-current"));
    const next = all[Math.min(all.length - 1, Math.max(0, at === -1 ? 0 : at + step))];
    all.forEach((r) => r.classList.remove("kbd-current"));
    next.classList.add("kbd-current");
    next.scrollIntoView({ block: "nearest" });
  }

  function current() { return document.querySelector("#ticket-rows tr.kbd-current"); }

  // The ticket page learns its neighbours from the list the agent last looked at.
  function rememberList() {
    if (rows().length) sessionStorage.setItem(LIST_KEY, JSON.stringify(ticketLinks()));
  }

  function neighbour(step) {
    const list = JSON.parse(sessionStorage.getItem(LIST_KEY) || "[]");
    const at = list.indexOf(location.pathname);
    return at === -1 ? null : list[at + step] || null;
  }

  // "reply" is the ticket's own channel (an email-only customer never gets a chat message).
  function composerTab(mode) {
    const composer = document.getElementById("composer");
    const tabs = [...document.querySelectorAll("#composer .tab")];
    if (mode === "reply") mode = (composer && composer.dataset.replyMode) || "email";
    const wanted = new RegExp("compose[/=]" + mode + "\\b");
    const tab = tabs.find((t) => wanted.test((t.getAttribute("hx-get") || "") + " " + (t.getAttribute("href") || "")));
    const focus = () => { const box = document.querySelector("#composer textarea"); if (box) box.focus(); };
    if (!tab || tab.classList.contains("active")) return focus();
    document.body.addEventListener("htmx:afterSettle", focus, { once: true });
    tab.click();
  }

  function setSelect(selector, pick) {
    const select = document.querySelector(selector);
    if (!select) return;
    const option = [...select.options].find(pick);
    if (!option || option.disabled || option.selected) return;
    select.value = option.value;
    select.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function snooze() {
    const details = document.querySelector("details.snooze, [data-shortcut='snooze']");
    if (!details) return;
    if (details.tagName === "DETAILS") details.open = true; else details.click();
    const field = details.querySelector("input, button, select");
    if (field) field.focus();
  }

  function toggleHelp(show) {
    const old = document.getElementById("shortcut-help");
    if (old) { old.remove(); return; }
    if (show === false) return;
    const wrap = document.createElement("div");
    wrap.id = "shortcut-help"; wrap.className = "shortcut-help";
    wrap.setAttribute("role", "dialog"); wrap.setAttribute("aria-label", haloT("Keyboard shortcuts"));
    const box = document.createElement("div");
    const title = document.createElement("h2"); title.textContent = haloT("Keyboard shortcuts");
    const list = document.createElement("dl");
    HELP.forEach(([keys, what]) => {
      const dt = document.createElement("dt");
      keys.split(" ").forEach((k) => { const kbd = document.createElement("kbd"); kbd.textContent = k; dt.append(kbd, " "); });
      const dd = document.createElement("dd"); dd.textContent = what;
      list.append(dt, dd);
    });
    box.append(title, list); wrap.append(box);
    wrap.addEventListener("click", () => wrap.remove());
    document.body.append(wrap);
  }

  const onTicket = () => document.getElementById("composer") !== null;

  const ACTIONS = {
    "?": () => toggleHelp(),
    "Escape": () => toggleHelp(false),
    "/": () => { const box = document.querySelector("[data-shortcut-focus=search]"); if (box) box.focus(); },
    "j": () => { if (onTicket()) { const n = neighbour(1); if (n) location.href = n; } else moveRow(1); },
    "k": () => { if (onTicket()) { const p = neighbour(-1); if (p) location.href = p; } else moveRow(-1); },
    "o": () => { const row = current(); if (row) row.querySelector("a[href*='/tickets/']").click(); },
    "Enter": () => ACTIONS.o(),
    "x": () => { const box = current() && current().querySelector("input[name=ticket_ids]"); if (box) box.checked = !box.checked; },
    "r": () => composerTab("reply"),
    "n": () => composerTab("note"),
    "e": () => setSelect("select[name=status]", (o) => o.value === "resolved"),
    "s": () => snooze(),
    "a": () => setSelect("select[name=assignee_id]", (o) => /\(me\)\s*$/.test(o.textContent)),
    "t": () => { const box = document.querySelector("[data-shortcut-focus=tags]"); if (box) box.focus(); },
  };

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing
        || typing(event) || !loaded()) return;
    if (pendingG) {
      pendingG = false;
      if (event.key === "i") { location.href = "/inbox/open"; event.preventDefault(); }
      return;
    }
    if (event.key === "g") { pendingG = true; return; }
    const action = ACTIONS[event.key];
    if (!action || (event.key === "Enter" && !current())) return;
    event.preventDefault();
    action();
  });

  document.addEventListener("DOMContentLoaded", rememberList);
  document.addEventListener("htmx:afterSettle", rememberList);
})();
