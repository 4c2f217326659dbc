// Count down the seconds a shown code has left; htmx swaps in a fresh code before it reaches zero.
(function () {
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-seconds-left]").forEach(function (el) {
      if (!el.dataset.start) { el.dataset.start = String(now); }
      var left = Number(el.dataset.secondsLeft) - Math.floor((now - Number(el.dataset.start)) / 1000);
      el.textContent = String(Math.max(0, left));
    });
  }
  setInterval(tick, 1000);
  document.addEventListener("htmx:afterSwap", tick);
})();

// Mark the tapped person as chosen at once; their code arrives by htmx a moment later.
document.addEventListener("click", function (event) {
  var chip = event.target.closest(".switcher .chip");
  if (!chip || chip.disabled) { return; }
  chip.closest(".switcher").querySelectorAll(".chip").forEach(function (c) { c.classList.remove("chosen"); });
  chip.classList.add("chosen");
});

// Say what a swapped-in code panel holds (a new code and its lifetime, or the payment's result) through
// the page's live region, which stays in place so screen readers notice the change.
document.addEventListener("htmx:afterSwap", function () {
  var announcer = document.getElementById("announcer");
  var panel = document.getElementById("code-panel");
  if (!announcer || !panel || !panel.dataset.announce) { return; }
  announcer.textContent = "";
  setTimeout(function () { announcer.textContent = panel.dataset.announce; }, 50);
});

// The statement's print button (no inline handlers under the Content-Security-Policy).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) { window.print(); }
});
