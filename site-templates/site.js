/* statusgen: progressive enhancement only; every status is readable without it.
   - Uptime bars: a tooltip naming each day's state on hover, click, tap and keyboard focus
     (Tab to a bar, then the arrow keys move from day to day); on narrow screens a button
     lists the days with issues. Compact bars (home page) carry uptime and note numbers,
     named here from the page's #sg-data strings.
   - Times: <time> elements shown in the visitor's time zone, the zone named (UTC in the
     HTML, the original kept as the element's title).
   - Live: api/v1/status.json is read on load and every minute while the tab is visible;
     the banner and pills follow it without a reload or a focus move, and a notice says
     so when the page's data is older than page.stale_after. */
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
  /* ---- local time ---- */
  var localFormat = dateFormat({
    year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
    hourCycle: "h23", timeZoneName: "short"
  });

  function local(at) {
    var moment = new Date(at);
    if (isNaN(moment.getTime())) return null;
    return localFormat ? localFormat.format(moment) : moment.toISOString();
  }

  function localise(root) {
    each((root || document).querySelectorAll("time[datetime]"), function (node) {
      var text = local(node.getAttribute("datetime"));
      if (!text || node.hasAttribute("data-local")) return;
      node.title = node.textContent;
      node.textContent = text;
      node.setAttribute("data-local", "");
    });
  }
  localise(document);

  /* ---- live refresh and the stale notice ---- */
  var api = body.getAttribute("data-api");
  var staleAfter = parseFloat(body.getAttribute("data-stale")) || 3600;
  var main = document.getElementById("main");
  var PERIOD = 60000;
  var timer = null;

  function notice(className, text, link) {
    var box = main.querySelector("." + className);
    if (!text) { if (box) box.parentNode.removeChild(box); return; }
    if (!box) {
      box = document.createElement("p");
      box.className = "card " + className;
      box.setAttribute("role", "status");
      main.insertBefore(box, main.firstChild);
    }
    box.textContent = text + " ";
    if (link) {
      var a = document.createElement("a");
      a.href = "";
      a.textContent = link;
      box.appendChild(a);
    }
  }

  function checkStale(generated, due) {
    var late = due ? Date.now() > Date.parse(due) : Date.now() - Date.parse(generated) > staleAfter * 1000;
    notice("stale", late && generated ? fill(data.stale || "{time}", { time: local(generated) }) : null);
  }

  function pill(node, state) {
    if (!node || !state) return;
    node.className = "pill c-" + state;
    node.textContent = (data.pills || {})[state] || state;
  }

  function apply(doc) {
    var overall = document.querySelector(".overall");
    if (overall && doc.status) {
      var key = "desc_" + String(doc.status.description).toLowerCase().replace(/ /g, "_");
      var title = overall.querySelector("h1");
      var text = (data.desc || {})[key] || doc.status.description;
      if (title.textContent !== text) title.textContent = text;
      if (doc.state) overall.className = "overall c-" + doc.state;
      var stamp = overall.querySelector("time");
      if (stamp && doc.updated_at && stamp.getAttribute("datetime") !== doc.updated_at) {
        stamp.setAttribute("datetime", doc.updated_at);
        stamp.removeAttribute("data-local");
        stamp.textContent = doc.updated_at;
        localise(overall);
      }
      var line = overall.querySelector(".refreshed");
      if (!line) {
        line = document.createElement("p");
        line.className = "refreshed";
        overall.appendChild(line);
      }
      line.textContent = fill(data.refreshed || "{time}", { time: local(Date.now()) });
    }
    each(doc.services || [], function (service) {
      var section = document.getElementById("s-" + service.id);
      if (!section) return;
      pill(section.querySelector("h2 .pill"), service.status);
      each(service.nodes || [], function (node) {
        var link = section.querySelector('a.name[href$="nodes/' + service.id + "/" + node.id + '.html"]');
        if (link) pill(link.parentNode.querySelector(".pill"), node.status);
      });
    });
    var open = document.querySelector(".notices-live");
    if (open) {
      var ids = (doc.incidents || []).map(function (i) { return i.id; });
      var windows = doc.maintenance || {};
      (windows.active || []).concat(windows.upcoming || []).forEach(function (m) { ids.push(m.id); });
      var shown = open.getAttribute("data-open").split(/\s+/).filter(Boolean).sort().join(" ");
      notice("changed", shown === ids.sort().join(" ") ? null : data.changed, data.reload);
    }
    checkStale(doc.generated_at, doc.next_update_by);
  }

  function refresh() {
    if (!api || !window.fetch) return;
    fetch(api, { cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (doc) { if (doc) apply(doc); })
      .catch(function () { /* offline or opened from disk: the page stays as built */ });
  }

  function schedule() {
    if (timer) { clearInterval(timer); timer = null; }
    if (document.visibilityState === "hidden") return;
    timer = setInterval(refresh, PERIOD);
  }

  if (api && main) {
    var built = document.querySelector(".overall time");
    if (built) checkStale(built.getAttribute("datetime"));  // until the JSON answers
    refresh();
    schedule();
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") refresh();
      schedule();
    });
  }
})();
