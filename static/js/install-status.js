// The success page after adding the bot: ask the site whether the bot has joined (the
// gateway's GUILD_CREATE reaches the Guild table), and say so only once it has.
(function () {
  "use strict";
  var box = document.querySelector("[data-status-url]");
  if (!box) return;
  var url = box.getAttribute("data-status-url");
  var started = Date.now();
  var FAST = 1000, SLOW = 3000, SLOW_AFTER = 30000, GIVE_UP_AFTER = 180000;

  function show(selector, visible) {
    var element = box.querySelector(selector);
    if (element) element.hidden = !visible;
  }

  function joined(status) {
    box.setAttribute("data-state", "joined");
    var name = box.querySelector(".install-name");
    if (name && status.name) name.textContent = status.name;
    var link = box.querySelector(".install-settings");
    if (link && status.settings_url) link.setAttribute("href", status.settings_url);
    var mark = box.querySelector(".outcome-mark");
    if (mark) mark.textContent = "\u2713";
    show(".install-waiting", false);
    show(".install-slow", false);
    show(".install-joined", true);
  }

  function poll() {
    var request = new XMLHttpRequest();
    request.open("GET", url);
    request.setRequestHeader("Accept", "application/json");
    request.onload = function () {
      var status = null;
      try { status = JSON.parse(request.responseText); } catch (error) { status = null; }
      if (request.status === 200 && status && status.present) {
        joined(status);
        return;
      }
      if (request.status === 404) return; // not ours to ask about (another browser, expired)
      next();
    };
    request.onerror = next;
    request.send();
  }

  function next() {
    var waited = Date.now() - started;
    if (waited > GIVE_UP_AFTER) {
      box.setAttribute("data-state", "slow");
      show(".install-slow", true);
      return;
    }
    window.setTimeout(poll, waited > SLOW_AFTER ? SLOW : FAST);
  }

  poll();
})();
