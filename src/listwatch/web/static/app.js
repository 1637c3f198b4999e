// listwatch web UI: search as you type (debounced) and drag-and-drop upload. No dependencies.
(function () {
  "use strict";
  var box = document.getElementById("q");
  var day = document.getElementById("as_of");
  var out = document.getElementById("results");
  if (box && out) {
    var timer = null, seq = 0;
    var esc = function (s) { var d = document.createElement("div"); d.textContent = s == null ? "" : String(s); return d.innerHTML; };
    var run = function () {
      var q = box.value.trim(), mine = ++seq;
      var known = document.getElementById("known_at");
      var extra = ["list", "country", "schema"].map(function (name) {  // the filters, as the form submits them
        var el = document.getElementById(name);
        return el && el.value.trim() ? "&" + name + "=" + encodeURIComponent(el.value.trim()) : "";
      }).join("");
      var share = "/?q=" + encodeURIComponent(q) + (day.value ? "&as_of=" + day.value : "") + (known && known.value ? "&known_at=" + encodeURIComponent(known.value) : "") + extra;
      if (window.history && window.history.replaceState) { window.history.replaceState(null, "", q ? share : "/"); }
      if (!q) { out.innerHTML = ""; return; }
      var url = "/v1/screen?threshold=0.5&limit=10&q=" + encodeURIComponent(q) + (day.value ? "&as_of=" + day.value : "") + (known && known.value ? "&known_at=" + encodeURIComponent(known.value) : "") + extra;
      out.setAttribute("aria-busy", "true");
      fetch(url).then(function (r) { return r.json().then(function (j) { return [r.ok, j]; }); }).then(function (res) {
        if (mine !== seq) { return; }
        out.removeAttribute("aria-busy");
        if (!res[0]) { out.innerHTML = '<p class="error" role="alert">' + esc(res[1].detail) + "</p>"; return; }
        var hits = res[1].results;
        var tools = '<p class="muted tools">' + hits.length + " results on " + esc(day.value) + ' · <a id="print-link" href="/print' + share.slice(1) + '">print view</a> · download <a href="' + share + '&format=csv">CSV</a> · <a href="' + share + '&format=json">JSON</a></p>';
        if (!hits.length) { out.innerHTML = '<p class="muted">No match for &ldquo;' + esc(q) + "&rdquo;.</p>"; return; }
        out.innerHTML = tools + hits.map(function (h) {
          var cls = h.restricted ? "restricted" : (h.restricted === null ? "unknown" : (h.lists.length ? "enjoined" : "clear"));
          var label = h.restricted ? "restricted: " + h.lists.join(", ") :
            (h.restricted === null ? "unknown: no listing date" : "not restricted");
          return '<div class="hit"><a href="/entities/' + encodeURIComponent(h.entity.id) + (day.value ? "?as_of=" + day.value : "") + '">' +
            esc(h.entity.name) + "</a> <span class=\"badge " + cls + '">' + esc(label) + "</span> " +
            '<span class="score">score ' + h.score.toFixed(2) + "</span>" +
            '<div class="why">matched &ldquo;' + esc(h.matched_name) + "&rdquo;: " + esc(h.explanation.summary) + "</div></div>";
        }).join("");
      }).catch(function () { out.innerHTML = '<p class="error" role="alert">The server did not answer.</p>'; });
    };
    var later = function () { clearTimeout(timer); timer = setTimeout(run, 250); };
    box.addEventListener("input", later);
    day.addEventListener("change", run);
    ["list", "schema"].forEach(function (name) { var el = document.getElementById(name); if (el) { el.addEventListener("change", run); } });
    var country = document.getElementById("country");
    if (country) { country.addEventListener("input", later); }
    var form = document.getElementById("searchform");
    if (form) { form.addEventListener("submit", function (e) { e.preventDefault(); run(); }); }
    // Results for a shared URL are already on the page (rendered by the server); typing refreshes them.
  }
  var drop = document.getElementById("drop"), file = document.getElementById("file");
  if (drop && file) {
    ["dragenter", "dragover"].forEach(function (n) { drop.addEventListener(n, function (e) { e.preventDefault(); drop.classList.add("over"); }); });
    ["dragleave", "drop"].forEach(function (n) { drop.addEventListener(n, function (e) { e.preventDefault(); drop.classList.remove("over"); }); });
    drop.addEventListener("drop", function (e) {
      if (e.dataTransfer && e.dataTransfer.files.length) { file.files = e.dataTransfer.files; drop.querySelector("span").textContent = file.files[0].name; }
    });
  }
}());
