// The words Halo's scripts write, in the page's language: base.html's <body data-i18n>
// maps the English to it (halo/i18n.py JS_STRINGS); a word it lacks stays English.
window.haloT = (function () {
  let table = {};
  try { table = JSON.parse(document.body.dataset.i18n || "{}") || {}; } catch (e) { table = {}; }
  return function (text, values) {
    let out = table[text] || text;
    Object.keys(values || {}).forEach(function (k) { out = out.split("%(" + k + ")s").join(values[k]); });
    return out;
  };
})();

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
  // The filter bar swapped the list: a filtered or re-sorted list takes no pushed rows (a
  // changed ticket would land on top of a list in another order, or outside the filter);
  // the plain view takes them again. The socket is told; a reconnect's hello says the same.
  document.addEventListener("htmx:afterSwap", (e) => {
    const el = document.getElementById("live-socket");
    const head = e.target.id === "inbox-results" && e.target.querySelector("[data-live-view]");
    if (!el || !head || head.dataset.liveView === (el.dataset.view || "")) return;
    el.dataset.view = head.dataset.liveView;
    if (socket) socket.send(JSON.stringify({ type: "view", view: el.dataset.view || null }));
  });
  // A push for the plain view's list (its rows, its count) may still be on its way when the
  // list has just been filtered: it is not applied to the filtered one. Only pushes: the
  // page's own requests (a quick action, undo) still update its rows.
  let pushing = false;
  document.addEventListener("htmx:wsBeforeMessage", () => {
    pushing = true;  // the extension swaps a message's pieces synchronously, then this clears
    queueMicrotask(() => { pushing = false; });
  });
  document.addEventListener("htmx:oobBeforeSwap", (e) => {
    const el = document.getElementById("live-socket");
    const id = (e.detail.target && e.detail.target.id) || "";
    if (pushing && el && !el.dataset.view &&
        (id === "ticket-rows" || id === "result-count" || id.startsWith("ticket-row-"))) {
      e.preventDefault();
    }
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

// Files out: the composer's files come from its picker, a drop on the composer or a pasted
// screenshot; all end up in the one <input type=file name=files> the form posts, listed
// under it with a Remove button. Sizes are checked here to say so at once; the server
// checks them again (services/tickets/files.py).
(function () {
  "use strict";
  const fmt = (n) => n < 1024 ? n + " B" : n < 1048576 ? (n / 1024).toFixed(0) + " KB" : (n / 1048576).toFixed(1) + " MB";

  function box(el) { return el && el.closest ? el.closest("#composer") : null; }

  function show(composer, message) {
    const zone = composer.querySelector(".composer-files");
    let note = zone.querySelector(".field-error");
    if (!message) { if (note) note.remove(); return; }
    if (!note) { note = document.createElement("p"); note.className = "field-error"; note.setAttribute("role", "alert"); zone.appendChild(note); }
    note.textContent = message;
  }

  function render(composer) {
    const input = composer.querySelector("input[name=files]");
    const list = composer.querySelector(".chosen-files");
    list.replaceChildren(...[...input.files].map((file, i) => {
      const li = document.createElement("li");
      li.className = "chip chosen-file";
      li.textContent = file.name + " (" + fmt(file.size) + ") ";
      const remove = document.createElement("button");
      remove.type = "button"; remove.className = "link-button remove-file"; remove.dataset.index = i;
      remove.textContent = haloT("Remove"); remove.setAttribute("aria-label", haloT("Remove %(name)s", { name: file.name }));
      li.appendChild(remove);
      return li;
    }));
  }

  // Sets the input's files to `kept` plus `added`, refusing what passes a limit.
  function put(composer, kept, added) {
    const zone = composer.querySelector(".composer-files");
    const input = composer.querySelector("input[name=files]");
    if (!zone || !input) return;
    const maxFile = Number(zone.dataset.maxFile), maxTotal = Number(zone.dataset.maxTotal);
    const out = new DataTransfer();
    let total = 0, refused = "";
    for (const file of [...kept, ...added]) {
      if (file.size > maxFile) { refused = file.name + " is larger than " + fmt(maxFile) + ", the most a file may be."; continue; }
      if (total + file.size > maxTotal) { refused = file.name + " would take the message past " + fmt(maxTotal) + "."; continue; }
      total += file.size;
      out.items.add(file);
    }
    input.files = out.files;
    show(composer, refused);
    render(composer);
  }

  function stamp() {
    const d = new Date(), p = (n) => String(n).padStart(2, "0");
    return d.getFullYear() + p(d.getMonth() + 1) + p(d.getDate()) + "-" + p(d.getHours()) + p(d.getMinutes()) + p(d.getSeconds());
  }

  document.addEventListener("change", (e) => {
    if (e.target.matches("#composer input[name=files]")) {
      const composer = box(e.target);
      put(composer, [], [...e.target.files]);
    }
  });
  document.addEventListener("click", (e) => {
    const remove = e.target.closest && e.target.closest(".remove-file");
    if (!remove) return;
    const composer = box(remove);
    const files = [...composer.querySelector("input[name=files]").files];
    files.splice(Number(remove.dataset.index), 1);
    put(composer, files, []);
    composer.querySelector("input[name=files]").closest("label").focus();
  });
  const carriesFiles = (e) => e.dataTransfer && [...e.dataTransfer.types].includes("Files");
  document.addEventListener("dragover", (e) => {
    const composer = box(e.target);
    if (composer && composer.querySelector(".composer-files") && carriesFiles(e)) {
      e.preventDefault();
      composer.classList.add("drop-target");
    }
  });
  document.addEventListener("dragleave", (e) => {
    const composer = box(e.target);
    if (composer && !composer.contains(e.relatedTarget)) composer.classList.remove("drop-target");
  });
  document.addEventListener("drop", (e) => {
    const composer = box(e.target);
    if (!composer || !composer.querySelector(".composer-files") || !carriesFiles(e)) return;
    e.preventDefault();
    composer.classList.remove("drop-target");
    put(composer, [...composer.querySelector("input[name=files]").files], [...e.dataTransfer.files]);
  });
  document.addEventListener("paste", (e) => {
    const composer = box(e.target);
    const pasted = e.clipboardData ? [...e.clipboardData.files] : [];
    if (!composer || !composer.querySelector(".composer-files") || !pasted.length) return;
    if (![...e.clipboardData.types].includes("text/plain")) e.preventDefault(); // a screenshot, not its name as text
    const named = pasted.map((f) => /^image\.\w+$/.test(f.name) || !f.name
      ? new File([f], "screenshot-" + stamp() + "." + ((f.type.split("/")[1] || "png").replace("jpeg", "jpg")), { type: f.type })
      : f);
    put(composer, [...composer.querySelector("input[name=files]").files], named);
  });
})();

// Notifications that reach people: a new notification pushed over the agent socket fills
// #desktop-note; with the Profile switch on and the browser's permission given, it shows
// as a desktop notification (a click opens its ticket), and a new chat waiting chimes when
// the sound switch is on. The Profile page's button asks the browser for permission.
(function () {
  "use strict";
  let shown = 0;

  function chime() {
    try {
      const audio = new (window.AudioContext || window.webkitAudioContext)();
      [0, 0.18].forEach((at, i) => {
        const tone = audio.createOscillator(), gain = audio.createGain();
        tone.frequency.value = i ? 880 : 660;
        gain.gain.setValueAtTime(0.15, audio.currentTime + at);
        gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + at + 0.16);
        tone.connect(gain).connect(audio.destination);
        tone.start(audio.currentTime + at);
        tone.stop(audio.currentTime + at + 0.17);
      });
    } catch (e) { /* no audio here: the badge still says it */ }
  }

  function announce() {
    const note = document.getElementById("desktop-note");
    const id = note ? Number(note.dataset.id || 0) : 0;
    if (!id || id <= shown) return;
    shown = id;
    const body = document.body.dataset;
    if (body.sound === "on" && note.dataset.kind === "chat_waiting") chime();
    if (body.desktop !== "on" || !("Notification" in window) || Notification.permission !== "granted") return;
    const desktop = new Notification("Halo", { body: note.dataset.body, tag: "halo-" + id });
    desktop.onclick = () => { window.focus(); window.location.assign(note.dataset.url); desktop.close(); };
  }
  document.addEventListener("htmx:wsAfterMessage", announce);

  document.addEventListener("click", (e) => {
    const ask = e.target.closest && e.target.closest("[data-ask-desktop]");
    if (!ask || !("Notification" in window)) return;
    Notification.requestPermission().then((answer) => {
      const state = document.getElementById("desktop-permission");
      if (state) state.textContent = { granted: haloT("Allowed in this browser."), denied: haloT("Blocked in this browser: allow it in the site settings.") }[answer] || haloT("Not decided yet.");
    });
  });
  document.addEventListener("DOMContentLoaded", () => {
    const state = document.getElementById("desktop-permission");
    if (state) state.textContent = !("Notification" in window) ? haloT("This browser cannot show notifications.")
      : { granted: haloT("Allowed in this browser."), denied: haloT("Blocked in this browser: allow it in the site settings.") }[Notification.permission] || haloT("Not asked yet in this browser.");
  });
})();
