/* statusgen: progressive enhancement only; every status is readable without it.
   - Uptime bars: a tooltip naming each day's state on hover, click, tap and keyboard focus
     (Tab to a bar, then the arrow keys move from day to day); on narrow screens a button
     lists the days with issues. Compact bars (home page) carry uptime and note numbers,
     named here from the page's #sg-data strings.
   - Times: <time> elements shown in the visitor's time zone, the zone named. */
(function () {
  "use strict";
  var body = document.body;
  var dataNode = document.getElementById("sg-data");
  var data = {};
  try { data = JSON.parse(dataNode ? dataNode.textContent : "{}"); } catch (e) { data = {}; }
  var lang = document.documentElement.lang || "en";
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };

  function dateFormat(options) {
    try { return new Intl.DateTimeFormat(lang, options); } catch (e) { return null; }
  }

  /* ---- uptime bars ---- */
  var bars = document.querySelectorAll("div.bar");
  var dayFormat = dateFormat({ year: "numeric", month: "short", day: "numeric", timeZone: "UTC" });
  var narrow = window.matchMedia ? window.matchMedia("(max-width: 40rem)") : { matches: false };
  var tip = null;

  function fill(pattern, fields) {
    return pattern.replace(/\{(\w+)\}/g, function (all, key) {
      return fields[key] === undefined ? all : fields[key];
    });
  }

  function dayOf(cell) {
    var bar = cell.parentNode;
    var cells = bar.children;
    var index = Array.prototype.indexOf.call(cells, cell);
    var end = Date.parse(bar.getAttribute("data-end") + "T00:00:00Z");
    var day = new Date(end - (cells.length - 1 - index) * 86400000);
    return dayFormat ? dayFormat.format(day) : day.toISOString().slice(0, 10);
  }

  function describe(cell) {
    var text = cell.getAttribute("data-tip");
    if (text) return text;
    var css = cell.className.replace(/\bon\b/, "").trim();
    var date = dayOf(cell);
    var states = data.states || {};
    var uptime = cell.getAttribute("data-u");
    if (css === "n" || (css && !uptime)) text = fill(data.short || "{date}: {state}", { date: date, state: states[css] || "" });
    else {
      text = fill(data.tip || "{date}: {state} · {uptime}", {
        date: date, state: states[css] || "", uptime: uptime || data.full || "100%"
      });
    }
    var refs = (cell.getAttribute("data-n") || "").split(" ");
    each(refs, function (ref) {
      var note = (data.notes || [])[+ref];
      if (ref !== "" && note) text += " · " + note;
    });
    return text;
  }

  function show(cell) {
    if (!tip) return;
    var rect = cell.getBoundingClientRect();
    tip.textContent = describe(cell);
    tip.hidden = false;
    // Centred over the day, then kept inside the viewport (8 px margin).
    var width = tip.offsetWidth;
    var viewport = document.documentElement.clientWidth;
    var left = rect.left + rect.width / 2 - width / 2;
    left = Math.max(8, Math.min(left, viewport - width - 8));
    tip.style.left = Math.round(left + window.pageXOffset) + "px";
    tip.style.top = Math.round(rect.top + window.pageYOffset - tip.offsetHeight - 6) + "px";
  }

  function hide() { if (tip) tip.hidden = true; }

  function activate(bar, cell) {
    var current = bar.querySelector("p.on");
    if (current) current.classList.remove("on");
    cell.classList.add("on");
    show(cell);
  }

  function notable(cell) {
    return /\b[sdmn]\b/.test(cell.className) || cell.hasAttribute("data-n") || cell.hasAttribute("data-tip");
  }

  function dayButton(bar) {
    var days = Array.prototype.filter.call(bar.children, notable);
    if (!days.length) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "days";
    button.textContent = fill(data.days || "{n}", { n: days.length });
    button.setAttribute("aria-expanded", "false");
    var list = document.createElement("ul");
    list.className = "daylist";
    list.hidden = true;
    button.addEventListener("click", function () {
      if (!list.firstChild) {
        days.slice().reverse().forEach(function (cell) {
          var item = document.createElement("li");
          item.textContent = describe(cell);
          list.appendChild(item);
        });
      }
      list.hidden = !list.hidden;
      button.setAttribute("aria-expanded", String(!list.hidden));
    });
    bar.parentNode.insertBefore(list, bar.nextSibling);
    bar.parentNode.insertBefore(button, list);
  }

  if (bars.length) {
    tip = document.createElement("div");
    tip.className = "tip";
    tip.id = "statusgen-tip";
    tip.setAttribute("role", "tooltip");
    tip.hidden = true;
    body.appendChild(tip);
  }

  each(bars, function (bar) {
    each(bar.querySelectorAll("p[title]"), function (cell) {
      cell.setAttribute("data-tip", cell.getAttribute("title"));
      cell.removeAttribute("title");
    });
    var pointed = null; // the day a click or tap is about to focus
    bar.tabIndex = 0;
    bar.setAttribute("aria-describedby", tip.id);
    dayButton(bar);
    bar.addEventListener("mouseover", function (event) {
      if (event.target.parentNode === bar && !narrow.matches) show(event.target);
    });
    bar.addEventListener("mouseleave", function () {
      if (document.activeElement !== bar) hide();
    });
    bar.addEventListener("pointerdown", function (event) {
      if (event.target.parentNode === bar) pointed = event.target;
    });
    bar.addEventListener("click", function (event) {
      if (event.target.parentNode === bar) activate(bar, event.target);
      pointed = null;
    });
    bar.addEventListener("focus", function () {
      activate(bar, pointed || bar.querySelector("p.on") || bar.lastElementChild);
    });
    bar.addEventListener("blur", function () {
      var current = bar.querySelector("p.on");
      if (current) current.classList.remove("on");
      hide();
    });
    bar.addEventListener("keydown", function (event) {
      var current = bar.querySelector("p.on") || bar.lastElementChild;
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
