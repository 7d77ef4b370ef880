/* abierto catalog search: filters the dataset cards with the index embedded in the
   page (a JSON data block), by words and by facets. No requests, no inline code.
   Without JavaScript the form stays hidden and every dataset is listed. */
(function () {
  "use strict";
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
  var fold = function (text) {
    return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  };
  var matches = function (entry, words, chosen) {
    for (var i = 0; i < words.length; i++) {
      if (entry.text.indexOf(words[i]) === -1) return false;
    }
    if (chosen.kind && entry.kind !== chosen.kind) return false;
    if (chosen.municipality && entry.municipalities.indexOf(chosen.municipality) === -1) {
      return false;
    }
    if (chosen.year && entry.years.indexOf(Number(chosen.year)) === -1) return false;
    return true;
  };
  var update = function () {
    var words = fold(query.value).split(/\s+/).filter(Boolean);
    var chosen = {};
    Object.keys(selects).forEach(function (key) {
      chosen[key] = selects[key] ? selects[key].value : "";
    });
    var shown = 0;
    index.forEach(function (entry) {
      var card = document.getElementById("conjunto-" + entry.slug);
      if (!card) return;
      var ok = matches(entry, words, chosen);
      card.hidden = !ok;
      if (ok) shown += 1;
    });
    var template = shown === 1 ? status.dataset.one : status.dataset.many;
    status.textContent = template.replace("{n}", String(shown));
  };
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
  var params = new URLSearchParams(window.location.search);
  if (params.get("q")) query.value = params.get("q");
  update();
})();
