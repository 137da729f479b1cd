/* The proposal form: picking a catalog solution sets the category to the solution's at once.
   The solution box names its category <select> (data-category-field); each suggestion of its
   <datalist> carries its solution's category (data-category). Without JavaScript the server
   takes the category from the solution when it is left empty (decisions.rules). */
(function () {
  "use strict";

  function normalise(text) {
    return text.split(/\s+/).filter(Boolean).join(" ").toLowerCase();
  }

  var followed = new WeakMap(); // box → the label whose category it last set

  function follow(box) {
    var list = box.list;
    var select = document.getElementById(box.dataset.categoryField);
    var typed = normalise(box.value);
    if (!list || !select) return;
    var picked = Array.prototype.find.call(list.options, function (option) {
      return normalise(option.value) === typed;
    });
    var category = picked && picked.dataset.category;
    if (!category) {
      followed.delete(box);
      return;
    }
    // Once per pick: the suggestions coming back for the same label do not undo a category
    // the person chose by hand since.
    if (followed.get(box) === typed) return;
    followed.set(box, typed);
    if (select.value === category) return;
    if (!select.querySelector('option[value="' + CSS.escape(category) + '"]')) return;
    select.value = category;
    // The live "who decides" panel and the standard notice listen for the form's changes.
    select.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function boxes() {
    return document.querySelectorAll("input[list][data-category-field]");
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("input[list][data-category-field]")) {
      follow(event.target);
    }
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("input[list][data-category-field]")) {
      follow(event.target);
    }
  });
  // The suggestions are narrowed by the server as one types (htmx): a label typed in full
  // may match only once they are back. Only that swap: after the preview's, a category the
  // person chose by hand stays.
  document.addEventListener("htmx:afterSettle", function (event) {
    boxes().forEach(function (box) {
      if (box.list && box.list === event.target) follow(box);
    });
  });
})();
