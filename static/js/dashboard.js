// Narrow the server list as the person types, without a page load.
(function () {
  "use strict";
  var input = document.querySelector("[data-filter-target]");
  if (!input) return;
  var list = document.querySelector(input.getAttribute("data-filter-target"));
  if (!list) return;
  var items = Array.prototype.slice.call(list.querySelectorAll("[data-name]"));
  var empty = document.querySelector(".empty-filter");
  input.hidden = false;
  input.addEventListener("input", function () {
    var query = input.value.trim().toLowerCase();
    var shown = 0;
    items.forEach(function (item) {
      var match = item.getAttribute("data-name").indexOf(query) !== -1;
      item.hidden = !match;
      if (match) shown += 1;
    });
    if (empty) empty.hidden = shown !== 0;
  });
})();
