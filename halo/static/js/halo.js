// Halo's own behaviour: @mention autocomplete in the note composer.
(function () {
  "use strict";

  function currentToken(textarea) {
    const upto = textarea.value.slice(0, textarea.selectionStart);
    const match = /(^|[\s(])@([\w.-]*)$/.exec(upto);
    return match ? { query: match[2].toLowerCase(), start: upto.length - match[2].length - 1 } : null;
  }

  function closeMenu(textarea) {
    const menu = textarea.parentElement.querySelector(".mention-menu");
    if (menu) menu.remove();
  }

  function insert(textarea, token, handle) {
    const before = textarea.value.slice(0, token.start);
    const after = textarea.value.slice(textarea.selectionStart);
    textarea.value = before + "@" + handle + " " + after;
    const caret = before.length + handle.length + 2;
    textarea.setSelectionRange(caret, caret);
    textarea.focus();
    closeMenu(textarea);
  }

  function openMenu(textarea) {
    closeMenu(textarea);
    const token = currentToken(textarea);
    if (!token) return;
    const handles = JSON.parse(textarea.dataset.mentions || "[]");
    const names = JSON.parse(textarea.dataset.mentionNames || "[]");
    const found = handles.map((h, i) => ({ handle: h, name: names[i] || h }))
      .filter((p) => p.handle.toLowerCase().startsWith(token.query) || p.name.toLowerCase().includes(token.query))
      .slice(0, 8);
    if (!found.length) return;
    const menu = document.createElement("ul");
    menu.className = "mention-menu";
    menu.setAttribute("role", "listbox");
    found.forEach((person, i) => {
      const li = document.createElement("li");
      li.setAttribute("role", "option");
      li.dataset.handle = person.handle;
      if (i === 0) li.classList.add("active");
      li.textContent = person.name;
      const small = document.createElement("small");
      small.textContent = "@" + person.handle;
      li.appendChild(small);
      li.addEventListener("mousedown", (e) => { e.preventDefault(); insert(textarea, token, person.handle); });
      menu.appendChild(li);
    });
    menu.style.top = textarea.offsetHeight + "px";
    textarea.parentElement.appendChild(menu);
  }

  function move(menu, step) {
    const items = [...menu.children];
    const at = items.findIndex((li) => li.classList.contains("active"));
    items[at].classList.remove("active");
    items[(at + step + items.length) % items.length].classList.add("active");
  }

  document.addEventListener("input", (e) => {
    if (e.target.matches("textarea[data-mentions]")) openMenu(e.target);
  });
  document.addEventListener("keydown", (e) => {
    const textarea = e.target;
    if (!textarea.matches || !textarea.matches("textarea[data-mentions]")) return;
    const menu = textarea.parentElement.querySelector(".mention-menu");
    if (!menu) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") { e.preventDefault(); move(menu, e.key === "ArrowDown" ? 1 : -1); }
    else if (e.key === "Enter" || e.key === "Tab") {
      e.preventDefault();
      insert(textarea, currentToken(textarea), menu.querySelector("li.active").dataset.handle);
    } else if (e.key === "Escape") closeMenu(textarea);
  });
  document.addEventListener("focusout", (e) => {
    if (e.target.matches && e.target.matches("textarea[data-mentions]")) setTimeout(() => closeMenu(e.target), 150);
  });
})();

// Live updates over the agent socket (htmx ws extension; see halo/blueprints/live/ws.py).
(function () {
  "use strict";
  let socket = null, opened = 0, lastTyping = 0;

  function lastMessageId() {
    let max = 0;
    document.querySelectorAll("#thread > [id^='msg-']").forEach((el) => {
      max = Math.max(max, parseInt(el.id.slice(4), 10) || 0);
    });
    return max;
  }

  document.addEventListener("htmx:wsOpen", (e) => {
    const el = document.getElementById("live-socket");
    if (!el || e.target !== el) return;
    socket = e.detail.socketWrapper;
    el.dataset.state = "connecting";
    // Tell the server what this page shows and the last thread line it has: it sends the rest.
    const ticket = parseInt(el.dataset.ticket, 10) || null;
    socket.send(JSON.stringify({ type: "hello", ticket: ticket, after: lastMessageId(),
      view: el.dataset.view || null, stamp: el.dataset.stamp || null,
      live: el.dataset.live === "live", reconnect: opened++ > 0 }));
  });
  document.addEventListener("htmx:wsClose", (e) => {
    if (e.target.id !== "live-socket") return;
    socket = null;
    e.target.dataset.state = "offline";
  });
  // The first push after a hello means the server has subscribed: the page is live from here on.
  document.addEventListener("htmx:wsAfterMessage", (e) => {
    if (e.target.id === "live-socket") e.target.dataset.state = "live";
  });

  document.addEventListener("input", (e) => {
    if (!socket || !e.target.closest || !e.target.closest("#composer textarea")) return;
    const now = Date.now();
    if (now - lastTyping > 2000) {
      lastTyping = now;
      socket.send(JSON.stringify({ type: "typing", active: true }));
    }
  });

  // Pushed fragments may repeat what a page already has (its own HTTP response, a catch-up):
  // an element whose id exists replaces it; a pushed table row moves to the top instead.
  document.addEventListener("htmx:oobBeforeSwap", (e) => {
    const fragment = e.detail.fragment;
    if (!fragment || !fragment.children) return;
    Array.from(fragment.children).forEach((child) => {
      const existing = child.id && document.getElementById(child.id);
      if (!existing || existing === e.detail.target) return;
      if (child.tagName === "TR") { existing.remove(); return; }
      existing.replaceWith(child);
      htmx.process(child);
    });
  });
})();

// Small page behaviours, kept here rather than in the markup: the Content-Security-Policy
// allows no inline script (no on* attributes, no hx-on, no eval).
(function () {
  "use strict";
  // <form data-confirm="Delete this?">: ask before it is sent.
  document.addEventListener("submit", (e) => {
    const form = e.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) e.preventDefault();
  }, true);
  // The inbox's "select all on this page" box.
  document.addEventListener("change", (e) => {
    if (e.target.id !== "pick-all") return;
    document.querySelectorAll("#ticket-rows input[name=ticket_ids]").forEach((box) => { box.checked = e.target.checked; });
  });
  // A form marked data-reset-after clears itself once htmx has sent it successfully.
  document.addEventListener("htmx:afterRequest", (e) => {
    const form = e.detail.elt;
    if (e.detail.successful && form.matches && form.matches("form[data-reset-after]")) form.reset();
  });
})();

// Layout on small screens and long pages: the sidebar's Menu button, the Reply jump link,
// the snooze popover (closed by a click outside or Escape, like the filter menus).
(function () {
  "use strict";
  function setMenu(button, open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }
  document.addEventListener("click", (e) => {
    const button = e.target.closest && e.target.closest(".menu-toggle");
    if (button) setMenu(button, button.getAttribute("aria-expanded") !== "true");
    const jump = e.target.closest && e.target.closest("[data-jump-composer]");
    const box = jump && document.querySelector("#composer textarea");
    if (box) {
      e.preventDefault();
      document.getElementById("composer").scrollIntoView({ block: "end" });
      box.focus({ preventScroll: true });
    }
    document.querySelectorAll("details.snooze[open]").forEach((open) => {
      if (!open.contains(e.target)) open.open = false;
    });
  });
  document.addEventListener("keydown", (e) => {
    if (e.key !== "Escape") return;
    const button = document.querySelector(".menu-toggle[aria-expanded=true]");
    if (button && button.closest(".sidebar").contains(e.target)) { setMenu(button, false); button.focus(); }
    const snooze = document.querySelector("details.snooze[open]");
    if (snooze && snooze.contains(e.target)) { snooze.open = false; snooze.querySelector("summary").focus(); }
  });
  // The Reply link is only needed while the composer is out of sight below.
  const end = document.getElementById("thread-end"), bar = document.getElementById("jump-reply");
  if (end && bar && window.IntersectionObserver) {
    new IntersectionObserver((entries) => {
      bar.hidden = entries[entries.length - 1].boundingClientRect.top < window.innerHeight;
    }).observe(end);
  }
})();
