// Composer tools: saved replies ("/" to pick one) and a stale translation preview.
(function () {
  if (window.haloTools) return;
  window.haloTools = true;
  var SLASH = /(^|\s)\/([\w-]*)$/;

  function box(form) { return form && form.querySelector("textarea[name=body]"); }

  function menuOf(form) { return form && form.querySelector("details.saved-replies"); }

  function filter(menu, query) {
    var first = null;
    menu.querySelectorAll("button.saved-reply").forEach(function (b) {
      var show = !query || b.dataset.title.indexOf(query.toLowerCase()) !== -1;
      b.parentElement.hidden = !show;
      b.classList.remove("active");
      if (show && !first) first = b;
    });
    if (first) first.classList.add("active");
  }

  function insert(form, text) {
    var ta = box(form), caret = ta.selectionStart, before = ta.value.slice(0, caret);
    var m = before.match(SLASH);
    if (m) before = before.slice(0, before.length - m[2].length - 1);
    ta.value = before + text + ta.value.slice(caret);
    ta.focus();
    ta.selectionStart = ta.selectionEnd = before.length + text.length;
    ta.dispatchEvent(new Event("input", {bubbles: true}));
    var menu = menuOf(form);
    if (menu) menu.open = false;
  }

  document.addEventListener("input", function (e) {
    var ta = e.target;
    if (!ta.matches || !ta.matches("textarea[name=body]")) return;
    var form = ta.form, preview = form.querySelector(".translate-preview");
    if (preview && preview.querySelector("input[name=translated_body]")) preview.innerHTML =
      '<p class="hint">The reply changed: translate it again before sending.</p>';
    var menu = menuOf(form);
    if (!menu) return;
    var m = ta.value.slice(0, ta.selectionStart).match(SLASH);
    if (m) { menu.open = true; filter(menu, m[2]); }
    else if (menu.dataset.bySlash) menu.open = false;
    menu.dataset.bySlash = m ? "1" : "";
  });

  document.addEventListener("keydown", function (e) {
    var ta = e.target;
    if (!ta.matches || !ta.matches("textarea[name=body]")) return;
    var menu = menuOf(ta.form);
    if (!menu || !menu.open || !menu.dataset.bySlash) return;
    if (e.key === "Escape") { menu.open = false; menu.dataset.bySlash = ""; e.preventDefault(); }
    if (e.key === "Enter" || e.key === "Tab") {
      var active = menu.querySelector("button.saved-reply.active");
      if (active) { e.preventDefault(); insert(ta.form, active.dataset.text); }
    }
  });

  document.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("button.saved-reply");
    if (b) insert(b.form || b.closest("form"), b.dataset.text);
  });

  document.addEventListener("htmx:afterSwap", function (e) {
    var menu = e.target.closest && e.target.closest("details.saved-replies");
    if (!menu) return;
    var ta = box(menu.closest("form")), m = ta && ta.value.slice(0, ta.selectionStart).match(SLASH);
    filter(menu, m ? m[2] : "");
  });
})();

// Inbox filter bar: a multi-choice (status, channel) names what is ticked in its summary,
// as the server renders it; with htmx only the results are swapped, so say it here.
(function () {
  var ANY = { status: haloT("Any status"), channel: haloT("Any channel") };
  document.addEventListener("change", function (e) {
    var multi = e.target.closest && e.target.closest("details.filter-multi");
    if (!multi) return;
    var picked = Array.prototype.map.call(multi.querySelectorAll("input:checked"), function (box) {
      return box.parentNode.textContent.trim();
    });
    multi.querySelector("summary").textContent = picked.length ? picked.join(", ") : ANY[multi.dataset.filter];
  });
  document.addEventListener("click", function (e) {  // one menu open at a time; a click outside closes it
    document.querySelectorAll("details.filter-multi[open]").forEach(function (open) {
      if (!open.contains(e.target)) open.open = false;
    });
  });
})();
