/* The proposal form's "TCO by pricing model": only the inputs of the chosen model are shown, and
   picking a catalog solution chooses its pricing model while none is chosen. Without JavaScript
   every group of inputs shows, and the server takes the catalog solution's model for inputs given
   without one (decisions.forms). A group with an error stays visible. */
(function () {
  "use strict";

  function select() {
    return document.querySelector("select[name=cost_model]");
  }

  function show() {
    var model = select();
    if (!model) return;
    document.querySelectorAll("fieldset[data-cost-models]").forEach(function (group) {
      var models = group.dataset.costModels.split(" ");
      var wanted = models.indexOf(model.value) !== -1 || group.querySelector(".has-error");
      group.hidden = !wanted;
    });
  }

  function normalise(text) {
    return text.split(/\s+/).filter(Boolean).join(" ").toLowerCase();
  }

  // Once per pick, as the category: a model chosen by hand since is left alone.
  var followed = new WeakMap();

  function follow(box) {
    var model = select();
    if (!model || !box.list) return;
    var typed = normalise(box.value);
    var picked = Array.prototype.find.call(box.list.options, function (option) {
      return normalise(option.value) === typed;
    });
    var value = picked && picked.dataset.costModel;
    if (!value || followed.get(box) === typed) return;
    followed.set(box, typed);
    if (model.value || !model.querySelector('option[value="' + CSS.escape(value) + '"]')) return;
    model.value = value;
    model.dispatchEvent(new Event("change", { bubbles: true }));
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!target.matches) return;
    if (target.matches("select[name=cost_model]")) show();
    if (target.matches("input[list][data-category-field]")) follow(target);
  });
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("input[list][data-category-field]")) {
      follow(event.target);
    }
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    document.querySelectorAll("input[list][data-category-field]").forEach(function (box) {
      if (box.list && box.list === event.target) follow(box);
    });
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", show);
  } else {
    show();
  }
})();
