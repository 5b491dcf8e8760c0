/* statusgen downtime warning. Embed on any site with one tag:
     <script src="{{ example_src }}" async></script>
   Optional attributes: data-page="<slug>" (an extra page), data-lang="fr",
   data-minutes="5" (override the page's downtime_warning_minutes),
   data-position="top" (default) or "bottom".
   Shows a dismissible banner when the page has been dead for that many minutes in a row,
   or while a critical incident is open. Reads api/v1/status.json next to this script.
   The banner never covers the host page: at the top it is the body's first element, so
   it pushes the content down; at the bottom it stays in view and the body gains a bottom
   margin of its height, so the end of the page can still be scrolled into view.
   Fires a "statusgen-widget" event on document when done (detail.shown: true/false). */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.fetch) return;
  var STRINGS = {{ strings|tojson }};
  var src = script.src;
  var root = src.slice(0, src.lastIndexOf("/") + 1);
  var slug = (script.getAttribute("data-page") || "").replace(/[^a-z0-9-]/g, "");
  var base = root + (slug ? slug + "/" : "");
  var minutesAttr = parseFloat(script.getAttribute("data-minutes"));
  var bottom = script.getAttribute("data-position") === "bottom";
  var ID = "statusgen-widget";

  function dismissed(key) {
    try { return window.sessionStorage.getItem(ID) === key; } catch (e) { return false; }
  }

  function remember(key) {
    try { window.sessionStorage.setItem(ID, key); } catch (e) { /* private mode */ }
  }

  function banner(message, key, strings, link) {
    if (document.getElementById(ID) || dismissed(key)) return false;
    var body = document.body || document.documentElement;
    var box = document.createElement("div");
    box.id = ID;
    box.setAttribute("role", "alert");
    box.setAttribute("data-position", bottom ? "bottom" : "top");
    box.style.cssText = "box-sizing:border-box;left:0;right:0;z-index:2147483647;display:flex;" +
      "gap:12px;align-items:center;justify-content:center;flex-wrap:wrap;margin:0;" +
      "padding:10px 44px 10px 16px;background:#b42318;color:#fff;" +
      "font:14px/1.4 system-ui,sans-serif;text-align:center;" +
      (bottom ? "position:fixed;bottom:0;box-shadow:0 -2px 6px rgba(0,0,0,.2)"
              : "position:relative;width:100%");
    var text = document.createElement("span");
    text.textContent = message;
    var more = document.createElement("a");
    more.href = link;
    more.textContent = strings.more;
    more.style.cssText = "color:#fff;font-weight:600;text-decoration:underline";
    var close = document.createElement("button");
    close.type = "button";
    close.setAttribute("aria-label", strings.dismiss);
    close.textContent = "\u00d7";
    close.style.cssText = "position:absolute;right:8px;top:50%;transform:translateY(-50%);" +
      "min-width:24px;min-height:24px;background:none;border:0;color:#fff;font-size:22px;" +
      "line-height:1;cursor:pointer";
    box.appendChild(text);
    box.appendChild(more);
    box.appendChild(close);
    var margin = body.style.marginBottom;
    if (bottom) {
      body.appendChild(box);
      // Room below the host's last line, so the banner covers none of it.
      var base = parseFloat(window.getComputedStyle(body).marginBottom) || 0;
      body.style.marginBottom = (base + box.offsetHeight) + "px";
    } else {
      body.insertBefore(box, body.firstChild);
    }
    close.addEventListener("click", function () {
      remember(key);
      box.parentNode.removeChild(box);
      if (bottom) body.style.marginBottom = margin;
    });
    return true;
  }

  function done(shown) {
    // Lets the host page know the check ran (and tests wait for it).
    document.dispatchEvent(new CustomEvent("statusgen-widget", { detail: { shown: shown } }));
  }

  function check(data) {
    if (!data || !data.page) return done(false);
    var lang = script.getAttribute("data-lang") || data.page.locale || "en";
    var strings = STRINGS[lang] || STRINGS.en;
    var link = data.page.url || base;
    var critical = (data.incidents || []).filter(function (incident) {
      return incident.severity === "critical" && incident.status !== "resolved";
    })[0];
    if (critical) {
      return done(banner(
        strings.critical.replace("{title}", critical.title), "i:" + critical.id, strings, link
      ));
    }
    if (data.health !== "dead" || !data.dead_since) return done(false);
    var minutes = isNaN(minutesAttr) ? (data.downtime_warning_minutes || 3) : minutesAttr;
    var now = Math.max(Date.now(), Date.parse(data.generated_at) || 0);
    if (now - Date.parse(data.dead_since) >= minutes * 60000) {
      return done(banner(strings.dead, "d:" + data.dead_since, strings, link));
    }
    done(false);
  }

  fetch(base + "api/v1/status.json", { cache: "no-store" })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(check)
    .catch(function () { done(false); /* an unreachable status page is not the host's problem */ });
})();
