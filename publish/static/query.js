/* abierto SQL box: DuckDB-Wasm runs the reader's query on this release's Parquet files.
   Nothing loads until the reader opens the box; then DuckDB-Wasm comes from this same
   site (assets/duckdb/<digest>/, never a CDN) and the Parquet files are fetched by their
   relative URLs, so it works on `abierto serve` and on any static host. Results are shown as a table (cells
   set as text, never as markup) and offered as a CSV download.
   Without JavaScript the box stays hidden. */
const SHOWN_ROWS = 500;
const FORMULA = /^\s*[=+\-@\t\r\n]/; // same rule as the published CSV files (OWASP)

function setUp(section, config) {
  const details = section.querySelector("details");
  const form = section.querySelector("form");
  const text = section.querySelector("textarea");
  const examples = section.querySelector("select");
  const status = section.querySelector("[role=status]");
  const output = section.querySelector(".sql-result");
  const download = section.querySelector(".sql-csv");
  const say = (key, n) => {
    status.textContent = (status.dataset[key] || key).replace("{n}", n === undefined ? "" : n);
  };
  let database = null;
  let csvUrl = null;

  const start = () => {
    if (!database) {
      say("loading");
      database = openDatabase(config).catch((error) => {
        database = null;
        throw error;
      });
    }
    return database;
  };
  const run = async () => {
    form.querySelector("button").disabled = true;
    try {
      const connection = await start();
      say("running");
      const table = await connection.query(text.value);
      const result = toRows(table);
      showTable(output, result, status.dataset.caption || "");
      if (csvUrl) URL.revokeObjectURL(csvUrl);
      csvUrl = URL.createObjectURL(new Blob([toCsv(result)], { type: "text/csv" }));
      const link = document.createElement("a");
      link.href = csvUrl;
      link.download = download.dataset.file;
      link.textContent = download.dataset.label;
      download.replaceChildren(link);
      download.hidden = false;
      say(result.rows.length === 1 ? "one" : "many", result.rows.length.toLocaleString(document.documentElement.lang));
      if (result.rows.length > SHOWN_ROWS) status.textContent += " " + status.dataset.truncated.replace("{n}", SHOWN_ROWS);
    } catch (error) {
      output.replaceChildren();
      download.hidden = true;
      status.textContent = (status.dataset.error || "") + " " + String(error && error.message ? error.message : error);
    } finally {
      form.querySelector("button").disabled = false;
    }
  };

  examples.addEventListener("change", () => {
    text.value = config.examples[Number(examples.value)].sql;
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    run();
  });
  details.addEventListener("toggle", () => {
    if (details.open) start().then(() => say("ready"), (error) => {
      status.textContent = (status.dataset.error || "") + " " + String(error && error.message ? error.message : error);
    });
  });
  const comuna = new URLSearchParams(location.search).get("comuna");
  if (/^[0-9]{5}$/.test(comuna || "") && (config.comuna_examples || []).length) {
    openOnComuna(config, comuna, examples);
    details.open = true;
  }
  text.value = config.examples[0].sql;
  section.hidden = false;
  if (details.open && location.hash === "#sql") section.scrollIntoView();
}

/* `?comuna=<cut>` (a comuna page's link): that comuna's rows of each table come first
   among the examples, and the first of them is in the box. */
function openOnComuna(config, comuna, select) {
  const lang = document.documentElement.lang;
  const fill = (text) => text.split("{comuna}").join(comuna);
  const first = config.comuna_examples.map((example) => ({
    title: { [lang]: fill(example.title[lang] || example.title.es) },
    sql: fill(example.sql),
  }));
  config.examples = first.concat(config.examples);
  select.replaceChildren(
    ...config.examples.map((example, i) => new Option(example.title[lang] || example.title.es, String(i))),
  );
}

/* DuckDB-Wasm with one table per Parquet file of the release. DuckDB-Wasm's own Parquet
   reader is an extension it would fetch from a CDN, so parquet-wasm reads each file
   (fetched from this site) into Arrow, which DuckDB takes in; extension loading is off,
   so nothing is ever requested from elsewhere. */
async function openDatabase(config) {
  if (location.protocol === "file:") throw new Error(document.getElementById("sql-estado").dataset.file);
  const base = new URL(config.engine, document.baseURI);
  const engine = await import(new URL("engine.mjs", base).href);
  const worker = new Worker(new URL("duckdb-browser-eh.worker.js", base));
  const db = new engine.AsyncDuckDB(new engine.VoidLogger(), worker);
  const [, files] = await Promise.all([
    engine.initParquet({ module_or_path: new URL("parquet_wasm_bg.wasm", base) }),
    Promise.all(config.tables.map((table) => fetchBytes(new URL(table.path, document.baseURI)))),
    db.instantiate(new URL("duckdb-eh.wasm", base).href),
  ]);
  await db.open({ query: { castBigIntToDouble: false, castDecimalToDouble: true } });
  const connection = await db.connect();
  await connection.query("SET autoinstall_known_extensions = false");
  await connection.query("SET autoload_known_extensions = false");
  for (const [i, table] of config.tables.entries()) {
    const arrow = engine.readParquet(files[i]).intoIPCStream();
    await connection.insertArrowFromIPCStream(arrow, { name: table.name });
  }
  return connection;
}

async function fetchBytes(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(url.pathname + ": HTTP " + response.status);
  return new Uint8Array(await response.arrayBuffer());
}

/* Arrow result → {columns, rows} of strings as DuckDB prints them ("" for NULL). */
function toRows(table) {
  const columns = table.schema.fields.map((field) => field.name);
  const kinds = table.schema.fields.map((field) => String(field.type));
  const rows = [];
  for (const row of table) {
    const values = row.toArray();
    rows.push(values.map((value, i) => show(value, kinds[i])));
  }
  return { columns, kinds, rows };
}

function show(value, kind) {
  if (value === null || value === undefined) return "";
  if (value instanceof Date) return isoDate(value, kind);
  if (typeof value === "number" && /^(Date|Timestamp)/.test(kind)) return isoDate(new Date(value), kind);
  if (typeof value === "bigint" && /^Timestamp/.test(kind)) return isoDate(new Date(Number(value / 1000n)), kind);
  if (typeof value === "object" && typeof value.toJSON === "function") return JSON.stringify(value.toJSON());
  return String(value);
}

function isoDate(date, kind) {
  const iso = date.toISOString();
  return kind.startsWith("Date") ? iso.slice(0, 10) : iso.slice(0, 19).replace("T", " ");
}

function showTable(output, result, caption) {
  const table = document.createElement("table");
  const title = table.createCaption();
  title.textContent = caption;
  const head = table.createTHead().insertRow();
  for (const name of result.columns) {
    const cell = document.createElement("th");
    cell.scope = "col";
    cell.textContent = name;
    head.append(cell);
  }
  const body = table.createTBody();
  for (const values of result.rows.slice(0, SHOWN_ROWS)) {
    const row = body.insertRow();
    for (const value of values) row.insertCell().textContent = value;
  }
  output.replaceChildren(table);
  output.hidden = false;
}

/* RFC 4180 CSV; a text value that a spreadsheet would run as a formula gets a leading
   apostrophe, as in the published CSV files (numbers are never changed). */
function toCsv(result) {
  const quote = (text) => (/[",\r\n]/.test(text) ? '"' + text.replaceAll('"', '""') + '"' : text);
  const isText = result.kinds.map((kind) => /Utf8/.test(kind));
  const line = (values, texts) =>
    values.map((value, i) => quote(texts[i] && FORMULA.test(value) ? "'" + value : value)).join(",");
  const lines = [line(result.columns, result.columns.map(() => true))];
  for (const values of result.rows) lines.push(line(values, isText));
  return lines.join("\r\n") + "\r\n";
}

const section = document.getElementById("sql");
if (section && section.dataset.config) setUp(section, JSON.parse(section.dataset.config));
