// The yizhan console's own script (docs/console.md): live refreshes from the page's event
// stream, and "select all" on the dead-letter list. Every page works without it.
(function () {
  "use strict";
  var live = document.querySelector('meta[name="yz-live"]');
  if (live && window.EventSource) {
    var source = new EventSource(live.content);
    var pending = null;
    var changed = function () {
      // Several events in a burst make one refresh.
      if (pending) return;
      pending = setTimeout(function () {
        pending = null;
        document.body.dispatchEvent(new CustomEvent("yz:changed"));
        var status = document.getElementById("live-status");
        if (status) status.textContent = "⟳ " + new Date().toLocaleTimeString();
      }, 300);
    };
    (live.dataset.types || "").split(",").forEach(function (type) {
      if (type) source.addEventListener(type, changed);
    });
  }
  document.addEventListener("change", function (e) {
    var all = e.target.closest && e.target.closest("[data-select-all]");
    if (!all) return;
    var name = all.getAttribute("data-select-all");
    var boxes = all.form ? all.form.querySelectorAll('input[type="checkbox"][name="' + name + '"]') : [];
    for (var i = 0; i < boxes.length; i++) boxes[i].checked = all.checked;
  });
})();
