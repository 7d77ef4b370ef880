/* abierto: reorder a published table by one of its columns (the national comparison of
   an indicator), no requests, no inline code. Without JavaScript the form stays hidden
   and the table keeps its published order (region, then comuna), every row listed.
   The form's choice is "<column index>:asc|desc" or empty (the published order); a
   cell's sort key is its data-sort attribute (a number as Python wrote it, or empty
   for none: always last, either way), else its text; aria-sort on the header says how
   the rows are ordered. Rows keep their ids (the comuna's CUT), so links to them hold. */
(function () {
  "use strict";
  var each = function (list, visit) {
    Array.prototype.forEach.call(list, visit);
  };
  each(document.querySelectorAll("form.table-sort"), function (form) {
    var table = document.getElementById(form.dataset.table);
    var select = form.querySelector("select");
    if (!table || !select) {
      return;
    }
    var body = table.tBodies[0];
    var headers = table.tHead.rows[0].cells;
    var published = Array.prototype.slice.call(body.rows);
    var collator = new Intl.Collator(document.documentElement.lang, {
      numeric: true,
      sensitivity: "base",
    });
    var key = function (row, column) {
      var cell = row.cells[column];
      return cell.hasAttribute("data-sort")
        ? cell.getAttribute("data-sort")
        : cell.textContent.trim();
    };
    var sort = function () {
      var choice = select.value.split(":");
      var column = choice[0] === "" ? -1 : Number(choice[0]);
      var descending = choice[1] === "desc";
      var rows = published.slice();
      if (column >= 0) {
        var numeric = headers[column].hasAttribute("data-numeric");
        rows.sort(function (a, b) {
          var x = key(a, column);
          var y = key(b, column);
          if (x === "" || y === "") {
            return (x === "") - (y === "");
          }
          var order = numeric ? Number(x) - Number(y) : collator.compare(x, y);
          return descending ? -order : order;
        });
      }
      each(headers, function (header, index) {
        if (index === column) {
          header.setAttribute("aria-sort", descending ? "descending" : "ascending");
        } else {
          header.removeAttribute("aria-sort");
        }
      });
      rows.forEach(function (row) {
        body.appendChild(row);
      });
    };
    form.addEventListener("submit", function (event) {
      event.preventDefault();
    });
    select.addEventListener("change", sort);
    form.hidden = false;
  });
})();
