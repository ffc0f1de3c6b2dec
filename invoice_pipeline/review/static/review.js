// The review page's behaviour: field <-> box highlighting, page turning, keyboard shortcuts.
// Plain DOM code, no build step; htmx (htmx.min.js) drives the queue's filters and paging.
(function () {
  "use strict";

  function showPage(number) {
    const pages = document.querySelectorAll("figure.page");
    pages.forEach(function (p) { p.classList.toggle("shown", p.dataset.page === String(number)); });
    const label = document.getElementById("page-number");
    if (label) { label.textContent = String(number); }
  }

  function currentPage() {
    const shown = document.querySelector("figure.page.shown");
    return shown ? Number(shown.dataset.page) : 1;
  }

  function highlight(name) {
    document.querySelectorAll("rect.box.active, tr.field.active").forEach(function (el) {
      el.classList.remove("active");
    });
    if (!name) { return; }
    const row = document.querySelector('tr.field[data-field="' + CSS.escape(name) + '"]');
    if (row) {
      row.classList.add("active");
      if (row.dataset.page) { showPage(row.dataset.page); }
    }
    document.querySelectorAll('rect.box[data-field="' + CSS.escape(name) + '"]').forEach(function (box) {
      box.classList.add("active");
    });
  }

  function typing(target) {
    return target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.isContentEditable);
  }

  function fieldInputs() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-field].field input, [data-field].field textarea, #review-form input[data-field], #review-form textarea[data-field]"))
      .filter(function (el, i, all) { return all.indexOf(el) === i; });
  }

  function focusNextField() {
    const inputs = fieldInputs();
    if (!inputs.length) { return; }
    const flagged = inputs.filter(function (el) { return el.closest("tr.flagged"); });
    const order = flagged.length ? flagged.concat(inputs.filter(function (el) { return flagged.indexOf(el) < 0; })) : inputs;
    const at = order.indexOf(document.activeElement);
    const next = order[(at + 1) % order.length];
    next.focus();
    next.select && next.select();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.addEventListener("focusin", function (event) {
      const name = event.target && event.target.dataset ? event.target.dataset.field : null;
      if (name) { highlight(name); }
    });
    document.querySelectorAll("tr.field").forEach(function (row) {
      row.addEventListener("click", function () { highlight(row.dataset.field); });
    });
    document.querySelectorAll("rect.box").forEach(function (box) {
      box.addEventListener("click", function () {
        const input = document.getElementById("field-" + box.dataset.field);
        if (input) { input.focus(); } else { highlight(box.dataset.field); }
      });
    });
    const prev = document.getElementById("prev-page");
    const next = document.getElementById("next-page");
    const count = document.querySelectorAll("figure.page").length;
    if (prev) { prev.addEventListener("click", function () { showPage(Math.max(1, currentPage() - 1)); }); }
    if (next) { next.addEventListener("click", function () { showPage(Math.min(count, currentPage() + 1)); }); }

    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && typing(event.target)) { event.target.blur(); return; }
      if (event.ctrlKey && event.key === "Enter") {
        const approve = document.getElementById("approve");
        if (approve) { event.preventDefault(); approve.form.requestSubmit(approve); }
        return;
      }
      if (typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) { return; }
      if (event.key === "a") {
        const approve = document.getElementById("approve");
        if (approve) { event.preventDefault(); approve.form.requestSubmit(approve); }
      } else if (event.key === "n") {
        const link = document.getElementById("next-link");
        if (link) { event.preventDefault(); window.location.href = link.href; }
      } else if (event.key === "f") {
        event.preventDefault();
        focusNextField();
      }
    });
  });
})();
