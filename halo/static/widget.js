/* Halo chat widget: <script src="https://HALO/widget.js" data-workspace="…" async></script>
 * Lives in a Shadow DOM so the host page's CSS cannot break it and ours cannot leak.
 * Protocol: docs/widget-protocol.md (hello with last id, idempotent sends, acks, de-dupe). */
(function () {
  "use strict";
  if (window.__haloWidget) return;
  window.__haloWidget = true;

  var script = document.currentScript || document.querySelector("script[data-workspace][src*='widget.js']");
  var BASE = new URL(script.src, location.href).origin;
  var WORKSPACE = script.getAttribute("data-workspace") || "";
  var STORE = "halo-widget:" + BASE + ":" + WORKSPACE;
  var MAX_KEPT = 200;

  var state = load();
  var ws = null, connected = false, attempt = 0, typingTimer = null, lastTypingSent = 0;
  var closedForGood = false, resendTimer = null;
  var identifyQueue = [];

  function load() {
    try {
      var s = JSON.parse(localStorage.getItem(STORE) || "null");
      if (s && typeof s === "object") return s;
    } catch (e) { /* private mode or corrupt: start fresh */ }
    return { token: null, lastId: 0, messages: [], pending: [], unread: 0, open: false };
  }
  function save() {
    state.messages = state.messages.slice(-MAX_KEPT);
    try { localStorage.setItem(STORE, JSON.stringify(state)); } catch (e) { /* quota: keep going */ }
  }
  function newClientId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "c" + Date.now().toString(36) + Math.random().toString(36).slice(2, 12);
  }

  /* ---------- UI ---------- */
  var host = document.createElement("div");
  host.id = "halo-chat-widget";
  var root = host.attachShadow({ mode: "open" });
  root.innerHTML =
    "<style>" +
    ":host{all:initial}*{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}" +
    ".launcher{position:fixed;right:20px;bottom:20px;width:56px;height:56px;border-radius:50%;border:0;background:#3355ff;color:#fff;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);z-index:2147483646;display:grid;place-items:center}" +
    ".launcher svg{width:28px;height:28px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}.launcher .x{display:none}.launcher[aria-expanded=true] .bubble{display:none}.launcher[aria-expanded=true] .x{display:block}" +
    ".launcher:focus-visible,button:focus-visible,textarea:focus-visible,a:focus-visible{outline:3px solid #ffb300;outline-offset:2px}" +
    "time{display:block;font-size:11px;margin-top:3px}.greeting{align-self:flex-start;background:#fff;border:1px solid #e3e5ee}" +
    ".badge{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;padding:0 6px;border-radius:10px;background:#e5484d;color:#fff;font-size:12px;line-height:20px;text-align:center}" +
    ".badge[hidden]{display:none}" +
    ".panel{position:fixed;right:20px;bottom:88px;width:360px;height:520px;max-height:calc(100vh - 110px);display:flex;flex-direction:column;background:#fff;color:#1c1c1c;border-radius:14px;box-shadow:0 10px 40px rgba(0,0,0,.25);overflow:hidden;z-index:2147483647}" +
    ".panel[hidden]{display:none}" +
    "header{display:flex;align-items:center;justify-content:space-between;padding:14px 16px;background:#3355ff;color:#fff;font-weight:600}" +
    "header button{background:none;border:0;color:#fff;font-size:22px;cursor:pointer}" +
    ".log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px;background:#f6f7fb;margin:0;list-style:none}" +
    ".msg .file{display:block;margin-top:6px;color:inherit;text-decoration:underline;overflow-wrap:anywhere}.msg .file img{display:block;max-width:100%;max-height:200px;border-radius:8px}" +
    ".msg{max-width:80%;padding:8px 12px;border-radius:12px;white-space:pre-wrap;word-wrap:break-word;font-size:14px;line-height:1.4}" +
    ".visitor{align-self:flex-end;background:#3355ff;color:#fff}.team{align-self:flex-start;background:#fff;border:1px solid #e3e5ee}" +
    ".who{display:flex;align-items:center;gap:6px;font-size:12px;color:#555;margin-bottom:2px}.who img{width:20px;height:20px;border-radius:50%}" +
    ".pending{opacity:.6}.typing{font-size:12px;color:#555;padding:0 14px 6px;background:#f6f7fb}.typing[hidden]{display:none}" +
    "form{display:flex;gap:8px;padding:10px;border-top:1px solid #e3e5ee;background:#fff}" +
    "textarea{flex:1;resize:none;border:1px solid #d0d4e0;border-radius:8px;padding:8px;font-size:14px;height:40px}" +
    "form button{border:0;border-radius:8px;background:#3355ff;color:#fff;padding:0 14px;font-size:14px;cursor:pointer}" +
    ".status{font-size:11px;font-weight:400;opacity:.85}" +
    ".hours{margin:0;padding:6px 16px;font-size:12px;color:#1c1c1c;background:#eef1ff;border-bottom:1px solid #e3e5ee}.hours[hidden]{display:none}" +
    ".survey{padding:10px 12px;border-top:1px solid #e3e5ee;background:#fff;font-size:14px}.survey[hidden],.survey [hidden]{display:none}" +
    ".survey p{margin:0 0 8px}.choices{display:flex;gap:6px}.choices button{flex:1;border:1px solid #d0d4e0;border-radius:8px;background:#fff;padding:8px 4px;font-size:13px;cursor:pointer}" +
    ".choices button[aria-pressed=true]{border-color:#3355ff;background:#eef1ff;font-weight:600}" +
    ".note{display:flex;gap:6px;margin-top:8px}.note input{flex:1;border:1px solid #d0d4e0;border-radius:8px;padding:8px;font-size:14px}.note button{border:0;border-radius:8px;background:#3355ff;color:#fff;padding:0 12px;cursor:pointer}" +
    "@media (max-width:480px){.panel{right:0;bottom:0;width:100vw;height:100%;max-height:100%;border-radius:0}}" +
    "</style>" +
    "<button class='launcher' part='launcher' aria-label='Open chat' aria-expanded='false' aria-controls='halo-chat-panel'>" +
    "<svg class='bubble' viewBox='0 0 24 24' aria-hidden='true'><path d='M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z'/></svg>" +
    "<svg class='x' viewBox='0 0 24 24' aria-hidden='true'><path d='M6 6l12 12M18 6L6 18'/></svg><span class='badge' aria-hidden='true' hidden></span></button>" +
    "<section class='panel' id='halo-chat-panel' role='dialog' aria-labelledby='halo-chat-title' hidden>" +
    "<header><span><span id='halo-chat-title' class='title'>Chat with us</span> <span class='status' role='status'></span></span><button class='close' aria-label='Close chat'>×</button></header>" +
    "<p class='hours' role='status' hidden></p><ol class='log' aria-live='polite' aria-label='Messages'></ol><div class='typing' aria-live='polite' hidden>Typing…</div>" +
    "<div class='survey' role='group' aria-label='Rate this chat' hidden><p class='question'>How would you rate the help you got?</p><div class='choices'></div>" +
    "<div class='note' hidden><input class='comment' type='text' aria-label='Comment' placeholder='Anything to add? (optional)' maxlength='2000'><button class='send-comment' type='button'>Send</button></div></div>" +
    "<form><textarea aria-label='Message' placeholder='Write a message…' maxlength='4000'></textarea><button type='submit'>Send</button></form>" +
    "</section>";
  var $ = function (sel) { return root.querySelector(sel); };
  var launcher = $(".launcher"), badge = $(".badge"), panel = $(".panel"), log = $(".log");
  var input = $("form textarea"), typingEl = $(".typing"), statusEl = $(".status");
  var surveyEl = $(".survey"), choicesEl = $(".choices"), noteEl = $(".note"), commentEl = $(".comment");
  var questionEl = $(".question"), titleEl = $(".title"), hoursEl = $(".hours");
  host.setAttribute("lang", "en");
  // The UI's words in the visitor's language: the welcome frame carries them (English -> theirs),
  // chosen by the server from the hello's language; until it arrives, and for any word it
  // lacks, the English stands.
  var T = {};
  function t(s) { return T[s] || s; }
  function relabel() {
    $("form textarea").setAttribute("aria-label", t("Message"));
    $("form textarea").setAttribute("placeholder", t("Write a message…"));
    $("form button").textContent = t("Send");
    $(".send-comment").textContent = t("Send");
    $(".close").setAttribute("aria-label", t("Close chat"));
    log.setAttribute("aria-label", t("Messages"));
    typingEl.textContent = t("Typing…");
    surveyEl.setAttribute("aria-label", t("Rate this chat"));
    commentEl.setAttribute("aria-label", t("Comment"));
    commentEl.setAttribute("placeholder", t("Anything to add? (optional)"));
  }
  var FACES = { good: "😀", okay: "😐", bad: "😞" };

  function render() {
    log.textContent = "";
    if (state.team && state.team.greeting && !state.messages.length && !state.pending.length) {
      var hi = document.createElement("li");
      hi.className = "msg greeting";
      hi.textContent = state.team.greeting;
      log.appendChild(hi);
    }
    state.messages.concat(state.pending).forEach(function (m) { log.appendChild(item(m)); });
    log.scrollTop = log.scrollHeight;
    badge.hidden = !state.unread;
    badge.textContent = state.unread ? String(state.unread) : "";
    titleEl.textContent = state.team && state.team.name ? state.team.name : t("Chat with us");
    launcher.setAttribute("aria-expanded", String(!!state.open));
    launcher.setAttribute("aria-label", t(state.open ? "Close chat" : "Open chat") +
      (state.unread ? ", " + t("%(count)s unread").replace("%(count)s", state.unread) : ""));
    panel.hidden = !state.open;
    statusEl.textContent = closedForGood ? "· " + t("this chat is closed") : connected ? "" : "· " + t("connecting…");
    input.disabled = closedForGood;
    renderSurvey();
  }
  // The rating choice, while the server says this chat is resolved and asks for one.
  function renderSurvey() {
    var s = state.survey;
    surveyEl.hidden = !s;
    if (!s) return;
    choicesEl.textContent = "";
    (s.choices || []).forEach(function (c) {
      var b = document.createElement("button");
      b.type = "button";
      b.setAttribute("data-rating", c.value);
      b.setAttribute("aria-pressed", String(s.rating === c.value));
      b.textContent = (FACES[c.value] || "") + " " + c.label;
      choicesEl.appendChild(b);
    });
    questionEl.textContent = t(s.rating && s.comment ? "Thanks! We got your rating and comment."
      : s.rating ? "Thanks for your rating! You can change it or add a comment." : "How would you rate the help you got?");
    noteEl.hidden = !s.rating;
  }
  choicesEl.addEventListener("click", function (e) {
    var b = e.target.closest ? e.target.closest("button[data-rating]") : null;
    if (b) send({ type: "rate", rating: b.getAttribute("data-rating") });
  });
  $(".send-comment").addEventListener("click", function () {
    if (state.survey && state.survey.rating) {
      send({ type: "rate", rating: state.survey.rating, comment: commentEl.value.trim() });
    }
  });
  function item(m) {
    var li = document.createElement("li");
    li.className = "msg " + (m.from === "visitor" ? "visitor" : "team") + (m.id ? "" : " pending");
    if (m.id) li.setAttribute("data-id", m.id);
    if (m.from !== "visitor" && m.author) {
      var who = document.createElement("div");
      who.className = "who";
      if (m.author.avatar) {
        var img = document.createElement("img");
        img.src = m.author.avatar; img.alt = "";
        who.appendChild(img);
      }
      who.appendChild(document.createTextNode(m.author.name || t("Team")));
      li.appendChild(who);
    }
    if (m.body) li.appendChild(document.createTextNode(m.body));
    var when = document.createElement("time");
    if (m.at) {
      when.dateTime = m.at;
      when.textContent = new Date(m.at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    } else if (!m.id) when.textContent = t("Sending…");
    (m.files || []).forEach(function (f) {
      // Links the server signed for this conversation; a picture shows, the rest downloads.
      var a = document.createElement("a");
      a.className = "file"; a.href = f.url; a.target = "_blank"; a.rel = "noopener";
      if (f.image) {
        var img = document.createElement("img");
        img.src = f.url; img.alt = f.name; img.loading = "lazy";
        a.appendChild(img);
      } else {
        a.setAttribute("download", f.name);
        a.textContent = "\u2193 " + f.name + " (" + (f.size < 1048576 ? Math.max(1, Math.round(f.size / 1024)) + " KB" : (f.size / 1048576).toFixed(1) + " MB") + ")";
      }
      li.appendChild(a);
    });
    if (when.textContent) li.appendChild(when);
    return li;
  }
  function setOpen(open) {
    var was = state.open;
    state.open = open;
    if (open) { state.unread = 0; sendSeen(); setTimeout(function () { input.focus(); }, 0); }
    save(); render();
    if (was && !open) launcher.focus();  // back where the keyboard was
  }
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") setOpen(false); });
  launcher.addEventListener("click", function () { setOpen(!state.open); });
  $(".close").addEventListener("click", function () { setOpen(false); });
  $("form").addEventListener("submit", function (e) { e.preventDefault(); sendText(); });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); sendText(); }
  });
  input.addEventListener("input", function () {
    var now = Date.now();
    if (now - lastTypingSent > 2000) { lastTypingSent = now; send({ type: "typing", active: true }); }
  });

  /* ---------- protocol ---------- */
  function send(frame) {
    if (ws && connected) { ws.send(JSON.stringify(frame)); return true; }
    return false;
  }
  function sendText() {
    var body = input.value.trim();
    if (!body) return;
    input.value = "";
    var m = { client_id: newClientId(), body: body, from: "visitor" };
    state.pending.push(m);
    save(); render();
    send({ type: "send", client_id: m.client_id, body: body });
  }
  function sendSeen() { if (state.lastId) send({ type: "seen", id: state.lastId }); }
  // "received": the team's replies reached this browser (agents see Delivered). One frame
  // after a burst (a catch-up sends many messages at once), not one per message.
  var receivedTimer = null;
  function sendReceived() {
    if (receivedTimer) return;
    receivedTimer = setTimeout(function () {
      receivedTimer = null;
      if (state.lastId) send({ type: state.open ? "seen" : "received", id: state.lastId });
    }, 0);
  }

  function onMessage(m) {
    var known = state.messages.some(function (x) { return x.id === m.id; });
    state.pending = state.pending.filter(function (p) { return p.client_id !== m.client_id || !m.client_id; });
    if (!known) {
      state.messages.push({ id: m.id, client_id: m.client_id, body: m.body, from: m.from, author: m.author, at: m.at, files: m.files });
      if (m.from !== "visitor" && !state.open) state.unread += 1;
    }
    state.lastId = Math.max(state.lastId || 0, m.id);
  }
  var HANDLERS = {
    // "We usually reply within 2 hours" while the team is in, "We're back Monday at 9:00" when
    // not: in the welcome, and again whenever the line changes while the widget is open.
    availability: function (f) {
      var said = f.availability && f.availability.text;
      hoursEl.textContent = said || ""; hoursEl.hidden = !said;
    },
    welcome: function (f) {
      // A new visitor (no token yet, or one too old to use): the old conversation is not
      // this visitor's any more; what was typed but never stored goes into the new one.
      if (f["new"] && state.token) { state.messages = []; state.lastId = 0; state.unread = 0; }
      state.token = f.token;  // renewed on every hello, so a widget in use never expires
      if (f.team) state.team = f.team;
      if (f.strings) { T = f.strings; host.setAttribute("lang", f.lang || "en"); relabel(); }
      HANDLERS.availability(f);
      state.survey = null;  // the server sends the rating choice after the catch-up if it is open
      attempt = 0;
      // Unacknowledged sends go again with the same client id: the server stores each once.
      state.pending.forEach(function (p) { send({ type: "send", client_id: p.client_id, body: p.body }); });
      identifyQueue.forEach(function (args) { send(identifyFrame(args)); });
      identifyQueue = [];
    },
    message: function (f) { onMessage(f); if (f.from !== "visitor") sendReceived(); },
    ack: function () { /* the echoed message event carries the server id; nothing else to do */ },
    survey: function (f) {
      state.survey = f.open ? f : null;
      if (f.open && f.comment && !commentEl.value) commentEl.value = f.comment;
    },
    rated: function (f) {
      if (state.survey) { state.survey.rating = f.rating; state.survey.comment = f.comment; }
    },
    typing: function (f) {
      typingEl.hidden = f.active === false;
      clearTimeout(typingTimer);
      typingTimer = setTimeout(function () { typingEl.hidden = true; }, 6000);
    },
    error: function (f) {
      if (window.console) console.warn("Halo chat:", f.code, f.message || "");
      // Over the rate limit: unacknowledged sends go again a little later, same client ids.
      if (f.code === "rate_limited" && f.client_id && !resendTimer) {
        resendTimer = setTimeout(function () {
          resendTimer = null;
          state.pending.forEach(function (p) { send({ type: "send", client_id: p.client_id, body: p.body }); });
        }, 2000 + Math.random() * 3000);
      }
    }
  };
  function visitorZone() {
    try { return Intl.DateTimeFormat().resolvedOptions().timeZone || null; } catch (e) { return null; }
  }

  function connect() {
    ws = new WebSocket(BASE.replace(/^http/, "ws") + "/ws/widget");
    ws.onopen = function () {
      connected = true;
      ws.send(JSON.stringify({ type: "hello", token: state.token, last_id: state.lastId || 0, workspace: WORKSPACE,
                               tz: visitorZone(), language: navigator.language || null }));
      render();
    };
    ws.onmessage = function (e) {
      var f;
      try { f = JSON.parse(e.data); } catch (err) { return; }
      (HANDLERS[f.type] || function () {})(f);
      save(); render();
    };
    ws.onclose = function (e) {
      connected = false; ws = null;
      if (e.code === 1008 && e.reason === "blocked") { closedForGood = true; render(); return; }
      render();
      // Exponential backoff with full jitter, so a restarted server is not stampeded.
      var delay = Math.random() * Math.min(30000, 500 * Math.pow(2, attempt++));
      setTimeout(connect, delay);
    };
  }

  /* ---------- public API: Halo('identify', {...}) ---------- */
  function identifyFrame(a) {
    return { type: "identify", email: a.email, name: a.name, traits: a.traits || {}, user_hash: a.user_hash };
  }
  function api(command, args) {
    if (command === "identify" && args && args.email) {
      if (!send(identifyFrame(args))) identifyQueue.push(args);
    } else if (command === "open") setOpen(true);
    else if (command === "close") setOpen(false);
  }
  var queued = (window.Halo && window.Halo.q) || [];
  window.Halo = api;
  queued.forEach(function (args) { api(args[0], args[1]); });

  function start() { document.body.appendChild(host); render(); connect(); }
  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
})();
