// The ticket header's tag box: an ARIA combobox over the suggestions htmx loads.
// Up/Down pick a suggestion, Enter adds it (or the typed name), Esc closes the list;
// a click adds too. After a tag is added or removed the box is redrawn: focus comes back.
(function () {
  "use strict";

  function listOf(input) { return document.getElementById(input.getAttribute("aria-controls")); }
  function options(input) { const list = listOf(input); return list ? [...list.querySelectorAll("[role=option]")] : []; }

  function sync(input) {
    const open = options(input).length > 0 && document.activeElement === input;
    input.setAttribute("aria-expanded", open ? "true" : "false");
    const list = listOf(input);
    if (list) list.hidden = !open;
    if (!open) input.removeAttribute("aria-activedescendant");
  }

  function pick(input, option) {
    options(input).forEach((o) => { o.classList.toggle("active", o === option); o.setAttribute("aria-selected", o === option ? "true" : "false"); });
    if (option) { input.setAttribute("aria-activedescendant", option.id); option.scrollIntoView({ block: "nearest" }); }
    else input.removeAttribute("aria-activedescendant");
  }

  function close(input) { const list = listOf(input); if (list) list.replaceChildren(); sync(input); }

  function add(input, name) {
    input.value = name;
    close(input);
    input.form.requestSubmit();
  }

  document.addEventListener("keydown", (event) => {
    const input = event.target.closest && event.target.closest("[data-tag-input]");
    if (!input) return;
    const all = options(input);
    const at = all.findIndex((o) => o.classList.contains("active"));
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!all.length) return;
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      pick(input, all[(at + step + all.length) % all.length]);
    } else if (event.key === "Enter") {
      event.preventDefault();
      const name = at >= 0 ? all[at].dataset.tag : input.value.trim();
      if (name) add(input, name);
    } else if (event.key === "Escape") {
      if (all.length) { event.preventDefault(); event.stopPropagation(); close(input); } else input.blur();
    }
  });

  document.addEventListener("mousedown", (event) => {
    const option = event.target.closest && event.target.closest(".tag-options [role=option]");
    if (!option) return;
    event.preventDefault();  // keep the focus in the box
    const list = option.closest(".tag-options");
    const input = document.querySelector(`[aria-controls="${list.id}"]`);
    if (input) add(input, option.dataset.tag);
  });

  document.addEventListener("focusout", (event) => {
    if (event.target.matches && event.target.matches("[data-tag-input]")) sync(event.target);
  });

  let refocus = null;
  document.addEventListener("htmx:beforeRequest", (event) => {
    const form = event.target.closest && event.target.closest(".tag-box form");
    if (form && event.detail.requestConfig && event.detail.requestConfig.verb === "post") {
      refocus = form.closest(".tag-box").id;
    }
  });
  document.addEventListener("htmx:afterSettle", (event) => {
    const target = event.detail.target;
    if (target && target.matches && target.matches(".tag-options")) {
      const input = document.querySelector(`[aria-controls="${target.id}"]`);
      if (input) { sync(input); const first = options(input)[0]; pick(input, input.value.trim() && first ? first : null); }
    }
    if (refocus && document.getElementById(refocus)) {
      const input = document.getElementById(refocus).querySelector("[data-tag-input]");
      refocus = null;
      if (input) input.focus();
    }
  });
})();
