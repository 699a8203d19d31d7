// Contacts: the erasure form's button waits until the confirmation word is typed
// (the server checks it again; this only spares a round trip).
(function () {
  "use strict";
  document.querySelectorAll("form.erase-form[data-word]").forEach(function (form) {
    var input = form.querySelector("input[name=confirm]");
    var button = form.querySelector("button[type=submit]");
    if (!input || !button) return;
    var word = form.dataset.word.trim().toLowerCase();
    function update() { button.disabled = input.value.trim().toLowerCase() !== word; }
    input.addEventListener("input", update);
    update();
  });
})();
