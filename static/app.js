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
