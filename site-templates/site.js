/* statusgen: progressive enhancement only; every status is readable without it.
   Turns the day titles of the uptime bars into a tooltip shown on hover and on
   keyboard focus (Tab to a bar, then the arrow keys move from day to day). */
(function () {
  "use strict";
  var body = document.body;
  var bars = document.querySelectorAll("ol.bar");
  if (!bars.length) return;
  var noData = body.getAttribute("data-nodata") || "No data";
  var full = body.getAttribute("data-full") || "100%";
  var pattern = body.getAttribute("data-tip") || "{date}: {uptime}";
  var format = null;
  try {
    format = new Intl.DateTimeFormat(document.documentElement.lang || "en", {
      year: "numeric", month: "short", day: "numeric", timeZone: "UTC"
    });
  } catch (e) { format = null; }
  var tip = document.createElement("div");
  tip.className = "tip";
  tip.id = "statusgen-tip";
  tip.setAttribute("role", "tooltip");
  tip.hidden = true;
  body.appendChild(tip);

  function describe(cell) {
    var text = cell.getAttribute("data-tip");
    if (text) return text;
    var bar = cell.parentNode;
    var cells = bar.children;
    var index = Array.prototype.indexOf.call(cells, cell);
    var end = Date.parse(bar.getAttribute("data-end") + "T00:00:00Z");
    var day = new Date(end - (cells.length - 1 - index) * 86400000);
    var date = format ? format.format(day) : day.toISOString().slice(0, 10);
    return pattern.replace("{date}", date).replace("{uptime}", cell.className === "n" ? noData : full);
  }

  function show(cell) {
    var rect = cell.getBoundingClientRect();
    tip.textContent = describe(cell);
    tip.hidden = false;
    tip.style.left = Math.round(rect.left + window.pageXOffset + rect.width / 2) + "px";
    tip.style.top = Math.round(rect.top + window.pageYOffset) + "px";
  }

  function hide() { tip.hidden = true; }

  function activate(bar, cell) {
    var current = bar.querySelector("li.on");
    if (current) current.classList.remove("on");
    cell.classList.add("on");
    show(cell);
  }

  Array.prototype.forEach.call(bars, function (bar) {
    Array.prototype.forEach.call(bar.querySelectorAll("li[title]"), function (cell) {
      cell.setAttribute("data-tip", cell.getAttribute("title"));
      cell.removeAttribute("title");
    });
    bar.tabIndex = 0;
    bar.setAttribute("aria-describedby", tip.id);
    bar.addEventListener("mouseover", function (event) {
      if (event.target.parentNode === bar) show(event.target);
    });
    bar.addEventListener("mouseleave", hide);
    bar.addEventListener("focus", function () {
      activate(bar, bar.querySelector("li.on") || bar.lastElementChild);
    });
    bar.addEventListener("blur", function () {
      var current = bar.querySelector("li.on");
      if (current) current.classList.remove("on");
      hide();
    });
    bar.addEventListener("keydown", function (event) {
      var current = bar.querySelector("li.on") || bar.lastElementChild;
      var next = null;
      if (event.key === "ArrowLeft") next = current.previousElementSibling;
      else if (event.key === "ArrowRight") next = current.nextElementSibling;
      else if (event.key === "Home") next = bar.firstElementChild;
      else if (event.key === "End") next = bar.lastElementChild;
      else if (event.key === "Escape") { hide(); return; }
      if (next) { event.preventDefault(); activate(bar, next); }
    });
  });
})();
