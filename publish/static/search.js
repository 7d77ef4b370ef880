/* abierto catalog search, two filters on the home page, no requests, no inline code:
   - the dataset cards, by words and facets, with the index embedded in the page (a JSON
     data block);
   - the table of comunas, by name, CUT code or region, with each row's key (data-k)
     folded in Python the same way as `fold` below (publish/site/search.py).
   Without JavaScript the forms stay hidden and every dataset and comuna is listed. */
(function () {
  "use strict";
  /* Lower case, accents and other marks dropped, apostrophes dropped, anything else that
     is not a letter or digit a space: «Ñuñoa» → "nunoa", «O'Higgins» → "ohiggins". */
  var fold = function (text) {
    return text
      .toLowerCase()
      .normalize("NFD")
      .replace(/\p{M}/gu, "")
      .replace(/['\u2019]/g, "")
      .replace(/[^\p{L}\p{N}]+/gu, " ")
      .trim();
  };
  window.abiertoFold = fold; // for the browser test that compares it with Python's
  var words = function (text) {
    return fold(text).split(" ").filter(Boolean);
  };
  var say = function (status, shown) {
    var template = shown === 1 ? status.dataset.one : status.dataset.many;
    status.textContent = template.replace("{n}", shown.toLocaleString(document.documentElement.lang));
  };
  /* Filter on every change, start from the address's `?<param>=` if any, show the form. */
  var listen = function (form, update, query, param) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      update();
    });
    form.addEventListener("input", update);
    form.addEventListener("change", update);
    form.addEventListener("reset", function () {
      window.setTimeout(update, 0);
    });
    form.hidden = false;
    var value = new URLSearchParams(window.location.search).get(param);
    if (value) query.value = value;
    update();
  };

  var datasets = function () {
    var data = document.getElementById("indice-busqueda");
    var form = document.getElementById("buscar");
    if (!data || !form) return;
    var index = JSON.parse(data.textContent);
    var status = document.getElementById("resultados");
    var query = document.getElementById("q");
    var selects = {
      kind: document.getElementById("f-kind"),
      municipality: document.getElementById("f-municipality"),
      year: document.getElementById("f-year"),
    };
    var matches = function (entry, wanted, chosen) {
      for (var i = 0; i < wanted.length; i++) {
        if (entry.text.indexOf(wanted[i]) === -1) return false;
      }
      if (chosen.kind && entry.kind !== chosen.kind) return false;
      if (chosen.municipality && entry.municipalities.indexOf(chosen.municipality) === -1) {
        return false;
      }
      if (chosen.year && entry.years.indexOf(Number(chosen.year)) === -1) return false;
      return true;
    };
    var update = function () {
      var wanted = words(query.value);
      var chosen = {};
      Object.keys(selects).forEach(function (key) {
        chosen[key] = selects[key] ? selects[key].value : "";
      });
      var shown = 0;
      index.forEach(function (entry) {
        var card = document.getElementById("conjunto-" + entry.slug);
        if (!card) return;
        var ok = matches(entry, wanted, chosen);
        card.hidden = !ok;
        if (ok) shown += 1;
      });
      say(status, shown);
    };
    listen(form, update, query, "q");
  };

  /* A row matches when every word typed is in its key, or when what was typed, without
     spaces, is in the key without spaces («tiltil» finds Til Til, «sanpedro» San Pedro). */
  var comunas = function () {
    var form = document.getElementById("buscar-comuna");
    var table = document.getElementById("tabla-comunas");
    if (!form || !table) return;
    var query = document.getElementById("qc");
    var status = document.getElementById("comunas-resultado");
    var rows = Array.prototype.slice.call(table.tBodies[0].rows).map(function (row) {
      var key = row.getAttribute("data-k") || "";
      return { row: row, key: key, compact: key.split(" ").join("") };
    });
    var update = function () {
      var wanted = words(query.value);
      var compact = wanted.join("");
      var shown = 0;
      rows.forEach(function (item) {
        var ok =
          wanted.every(function (word) {
            return item.key.indexOf(word) !== -1;
          }) || item.compact.indexOf(compact) !== -1;
        item.row.hidden = !ok;
        if (ok) shown += 1;
      });
      say(status, shown);
    };
    listen(form, update, query, "comuna");
  };

  datasets();
  comunas();
})();
