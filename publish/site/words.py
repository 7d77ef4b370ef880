"""Every text the catalog shows, in each language of the site (Spanish first).

Keys must match across languages; a test checks it. Sentences with a count are
``(singular, plural)`` pairs in ``PLURALS``; ``{name}`` placeholders are filled
by ``str.format`` and the result is HTML-escaped by the templates.
"""

LANGS = ("es", "en")

STRINGS: dict[str, dict[str, str]] = {
    "es": {
        "lang_name": "Español",
        "skip": "Saltar al contenido",
        "demo_note": (
            "Los datos de este sitio son ficticios: sirven para probar el sistema"
            " y no describen a ningún municipio real."
        ),
        "switch_label": "Idioma",
        "breadcrumb": "Ruta de navegación",
        "catalogue": "Catálogo",
        "datasets": "Conjuntos de datos",
        "municipalities": "Municipios",
        "years": "Años",
        "last_updated": "Última actualización",
        "contents": "Contenido",
        "rows_in_tables": "{rows} en {tables}",
        "and": "y",
        "and_more": "y {n} más",
        "publisher": "Publicado por",
        "licence": "Licencia",
        "cadence": "Frecuencia de actualización",
        "release": "Versión",
        "on_this_page": "En esta página",
        "grain": "Qué es una fila",
        "downloads": "Descargar",
        "dl_csv": "abre en Excel, LibreOffice o Google Sheets",
        "dl_parquet": "para análisis con Python, R o DuckDB",
        "dl_datapackage": "descripción técnica de todas las tablas (Frictionless Data)",
        "dictionary": "Diccionario de datos",
        "dictionary_caption": "Campos de «{table}»",
        "primary_key": "Cada fila se identifica por la combinación de:",
        "col_field": "Campo",
        "col_type": "Tipo",
        "col_meaning": "Significado",
        "col_rules": "Reglas",
        "col_privacy": "Privacidad",
        "rule_pk": "Parte del identificador de la fila",
        "rule_required": "Siempre tiene valor",
        "rule_unique": "No se repite en la tabla",
        "rule_pattern": "Formato (expresión regular):",
        "rule_between": "Entre {min} y {max}",
        "rule_min": "Mínimo {min}",
        "rule_max": "Máximo {max}",
        "rule_len_between": "Entre {min} y {max} caracteres",
        "rule_len_min": "Al menos {min} caracteres",
        "rule_len_max": "Como máximo {max} caracteres",
        "rule_fk": "Debe existir en «{resource}», campo",
        "rule_enum": "Valores posibles:",
        "rule_none": "Sin reglas",
        "preview": "Vista previa",
        "preview_empty": "Esta tabla no tiene filas.",
        "query": "Consultar con código",
        "query_open": "Ver el código (DuckDB, Python, R)",
        "query_url": "Lee el archivo Parquet directamente de este sitio, sin descargarlo a mano.",
        "query_local": "Descarga el archivo Parquet y ejecuta el código en la misma carpeta.",
        "sources": "Fuentes",
        "sources_intro": "Archivos entregados por el municipio con los que se armó este conjunto.",
        "sources_caption": "Archivos de origen",
        "col_file": "Archivo",
        "col_sha256": "Huella SHA-256",
        "col_rows_read": "Filas leídas",
        "quality": "Calidad: qué pasó con cada fila",
        "quality_none_quarantined": "Ninguna fila quedó en cuarentena.",
        "quality_reasons": "Motivos de las filas no publicadas:",
        "quality_total": "Todas las filas están contadas: {equation}.",
        "quality_note": (
            "Las filas no publicadas no se muestran porque pueden contener datos personales"
            " sin depurar; el municipio las revisa y corrige en la fuente."
        ),
        "footer_licence": "Licencia de los datos:",
        "footer_publisher": "Publicado por:",
        "footer_release": "Versión {release}, generada el {date}.",
        "footer_generator": "Generado por abierto.",
        "search_title": "Buscar datos",
        "search_label": "Palabras",
        "search_hint": "Busca en títulos, descripciones y nombres de columnas.",
        "search_button": "Buscar",
        "search_reset": "Mostrar todo",
        "facet_kind": "Tipo de datos",
        "facet_municipality": "Municipio",
        "facet_year": "Año",
        "facet_all": "Todos",
        "results_one": "{n} conjunto de datos coincide.",
        "results_many": "{n} conjuntos de datos coinciden.",
        "kind": "Tipo",
        "charts": "Gráficos",
        "catalog_downloads": "Todo el catálogo",
        "dl_duckdb_catalog": "base de datos DuckDB con todas las tablas de todos los conjuntos",
        "dl_notes": "notas de la versión: qué cambió",
        "dl_checksums": "huellas SHA-256 de cada archivo",
        "changes": "Cambios respecto de la versión anterior",
        "changes_counts": (
            "{table}: {added} filas nuevas, {removed} eliminadas, {changed} modificadas"
        ),
        "cite_latest": "La versión más reciente está siempre en:",
        "metadata": "Metadatos para portales y buscadores:",
        "next_update": "Próxima actualización",
        "late_flag": "(atrasada)",
        "due_ok": (
            "La ley de transparencia exige actualizar estos datos cada mes; la próxima"
            " actualización debe publicarse a más tardar el {date}."
        ),
        "due_late": (
            "Atrasada: la ley de transparencia exige actualizar estos datos cada mes y la"
            " actualización debía publicarse a más tardar el {date} (revisado el {generated})."
        ),
        "downloads_all": "Descargar",
        "downloads_more": "Cada tabla también está en Parquet, en su sección más abajo.",
        "dl_xlsx": "libro de Excel con todas las tablas",
        "dl_duckdb": "base de datos DuckDB con todas las tablas",
        "changelog": "Versiones recientes",
        "cite": "Citar esta versión",
        "cite_intro": (
            "Para citar exactamente estos datos, use la versión y la huella SHA-256 de su"
            " descripción (datapackage.json):"
        ),
        "cite_version": "Versión {release} [conjunto de datos]",
        "cite_title": "Título",
        "chart_table": "Ver los datos del gráfico en una tabla",
        "chart_pesos": "en pesos",
        # the citizen's side: ask for what is not here, report a problem (citizen.py)
        "citizen_title": "¿No encuentras lo que buscas?",
        "citizen_ask": (
            "Puedes pedir a {comuna} cualquier información que tenga con una solicitud de"
            " acceso a la información (Ley 20.285): es gratuita y deben responderte en 20"
            " días hábiles, prorrogables por 10."
        ),
        "citizen_portal_own": "Portal de solicitudes de {comuna}",
        "citizen_no_portal": (
            "{comuna} no ha indicado en este catálogo un portal de solicitudes propio;"
            " puedes presentar tu solicitud en el portal del Consejo para la Transparencia:"
        ),
        "citizen_portal_national": "Portal de Transparencia del Estado",
        "citizen_ask_many": (
            "Cada comuna atiende sus propias solicitudes de acceso a la información (Ley"
            " 20.285): son gratuitas y deben responderse en 20 días hábiles, prorrogables"
            " por 10."
        ),
        "citizen_national_marker": "sin portal propio indicado",
        "report_link": "Reportar un problema con estos datos",
        "report_note": (
            "Abre tu programa de correo con un mensaje a {email} que ya nombra los datos,"
            " la comuna y la versión {release}."
        ),
        "report_note_page": (
            "Abre tu programa de correo con un mensaje a {email} que ya nombra la comuna"
            " y esta página."
        ),
        "report_no_email": "Para reportar un problema con estos datos, escribe a {publisher}.",
        # indicators: cards on comuna pages, one page per indicator (indicators.py)
        "indicators": "Indicadores",
        "site_nav": "Secciones del sitio",
        "indicators_title": "Indicadores de rendición de cuentas",
        "indicators_intro": (
            "Cada indicador se calcula con los datos publicados en esta misma versión y"
            " viene con su numerador, su denominador y los registros detrás. Se compara"
            " con las demás comunas con datos (percentil y medianas), nunca como un"
            " ranking: léase siempre con cuántas comunas entran en la comparación."
        ),
        "indicators_home": "Cómo le va a cada comuna: {n} indicadores con su método.",
        "indicators_all": "Todos los indicadores y sus métodos",
        "comuna_indicators_intro": (
            "Valores de {comuna}, con su numerador, su denominador y los registros detrás."
            " Su comparación con las demás comunas (percentil y medianas) está en la tabla"
            " nacional de cada indicador."
        ),
        "ind_compare": "Comparar con las demás comunas",
        "comuna_indicators_missing": "Sin datos de {comuna} para:",
        "ind_value": "Valor",
        "ind_period": "Período",
        "ind_numerator": "Numerador",
        "ind_denominator": "Denominador",
        "ind_records": "Registros",
        "ind_status": "Estado",
        "ind_percentile": "Percentil",
        "ind_ok": "Publicado",
        "ind_suppressed": "Suprimido: {reason}",
        "ind_suppressed_short": "Suprimido",
        "ind_breakdown": "Desagregación mostrada: {label}",
        "ind_breakdowns": "Por desagregación, {period}",
        "ind_trend": "Evolución por {grain}",
        "ind_trend_table": "Ver los datos de la evolución en una tabla",
        "ind_method_link": "Método de «{title}»",
        "ind_method": "Método",
        "ind_version": "Versión del método: {version}",
        "ind_unit": "Unidad",
        "ind_source": "Datos de origen",
        "ind_formula": "Fórmula",
        "ind_caveats": "Advertencias para leerlo",
        "ind_thresholds": "Umbrales y su fuente",
        "ind_no_thresholds": "Este indicador no usa umbrales legales.",
        "ind_breakdown_what": "Desagregación",
        "ind_grains": "Períodos publicados",
        "ind_suppression": "Cuándo se suprime un valor",
        "ind_suppression_rule": (
            "Un valor se suprime (se publica vacío, con su numerador y denominador) cuando"
            " tiene {records} detrás, cuando el denominador es cero o falta,"
            " o por los motivos de la lista. La comparación (percentil y medianas) se"
            " publica solo cuando al menos {comunas} comunas tienen un valor no suprimido"
            " del mismo indicador, período y desagregación."
        ),
        "ind_all_comunas": "Todas las comunas, {period}",
        "ind_all_intro": (
            "Se muestra el período con más comunas con datos (el más reciente si hay empate)."
        ),
        "ind_compare_intro": (
            "El valor de cada comuna, con su percentil y las medianas nacional y de su"
            " región, está en una tabla por período:"
        ),
        "ind_compare_period": "Tabla de todas las comunas, {period}",
        "ind_with_data": "con datos",
        "ind_compare_title": "{title}: todas las comunas, {period}",
        "ind_compare_lead": (
            "Cada comuna con un valor de este indicador en {period}: el valor con su"
            " numerador, su denominador y sus registros, su percentil entre las comunas con"
            " datos, la mediana nacional y la de su región. La tabla va por región y"
            " comuna, no por valor."
        ),
        "ind_compare_rule": (
            "El percentil y las medianas se publican solo cuando al menos {comunas} comunas"
            " (de la región, para la mediana regional) tienen un valor no suprimido; si no,"
            " se muestra «—». Un percentil se lee con el número de comunas comparadas: no"
            " es un ranking."
        ),
        "ind_compare_with_data": "Comunas con datos",
        "ind_compare_suppressed": "Valores suprimidos",
        "ind_compare_other": "Otros períodos",
        "ind_median_all": "Mediana nacional",
        "ind_median_region": "Mediana regional",
        "ind_sort_label": "Ordenar la tabla por",
        "ind_sort_published": "Región y comuna (como se publica)",
        "ind_sort_up": "{column}, de menor a mayor",
        "ind_sort_down": "{column}, de mayor a menor",
        "ind_sort_note": (
            "Ordenar por valor no hace un ranking: léase cada valor con su denominador y"
            " con cuántas comunas se compara. Los valores suprimidos y sin comparación van"
            " al final."
        ),
        "ind_chart_alt": "Valores de «{title}» por comuna y región, {period}",
        "ind_chart_summary": (
            "{n} con datos en {period}, valores entre {low} y {high}; mediana {median}."
            " {suppressed} suprimidas."
        ),
        "ind_chart_empty": "Ninguna comuna tiene un valor publicado en {period}.",
        "ind_comunas_caption": "«{title}» por comuna, {period}",
        "ind_comuna": "Comuna",
        "ind_region": "Región",
        "ind_without_period": "Comunas con datos de este indicador, pero no de {period}:",
        "ind_no_data": "Ninguna comuna tiene datos de este indicador en esta versión.",
        "ind_median_rule": "La línea discontinua marca la mediana de las comunas con datos.",
        "unit_ratio": "proporción (0 a 1; se muestra también en %)",
        "unit_days": "días hábiles",
        "unit_count": "número",
        "unit_index": "índice de 0 a 10.000",
        "grain_month": "mes",
        "grain_year": "año",
        "source_budgets": "presupuesto",
        "source_contracts": "órdenes de compra",
        "source_access_requests": "solicitudes de acceso a la información",
        "source_budgets_contracts": "presupuesto y órdenes de compra",
        "comuna_datasets": "Estado de sus conjuntos de datos",
        "comuna_caption": "Conjuntos de datos de {comuna} en esta versión",
        "status": "Estado",
        "status_published": "Publicado",
        "status_carried": (
            "Se mantiene la versión anterior: la última entrega no pasó los controles"
        ),
        "status_blocked": "Sin publicar: ninguna entrega ha pasado los controles",
        "status_missing": "Sin entregas",
        "published_on": "Publicado el",
        "freshness": "Vigente hasta",
        "sql": "Consultar con SQL en el navegador",
        "sql_intro": (
            "Escriba una consulta SQL sobre las tablas de esta versión y vea el resultado"
            " aquí mismo, o descárguelo en CSV. La consulta corre en su navegador con"
            " DuckDB-Wasm, servido por este mismo sitio: nada sale de su equipo."
        ),
        "sql_open": "Abrir la consulta SQL (la primera vez descarga {size})",
        "sql_examples": "Ejemplos",
        "sql_label": "Consulta SQL",
        "sql_tables": "Tablas:",
        "sql_run": "Ejecutar",
        "sql_csv": "Descargar el resultado en CSV",
        "sql_result": "Resultado de la consulta",
        "sql_loading": "Cargando DuckDB-Wasm…",
        "sql_ready": "Listo: escriba una consulta y pulse «Ejecutar».",
        "sql_running": "Ejecutando la consulta…",
        "sql_one": "{n} fila.",
        "sql_many": "{n} filas.",
        "sql_truncated": "Se muestran las primeras {n}; el CSV las trae todas.",
        "sql_error": "La consulta no se pudo ejecutar:",
        "sql_file": (
            "La consulta necesita abrir el sitio desde un servidor web (por ejemplo"
            " abierto serve), no como archivo."
        ),
    },
    "en": {
        "lang_name": "English",
        "skip": "Skip to content",
        "demo_note": (
            "The data on this site is fictional: it is here to test the system"
            " and does not describe any real municipality."
        ),
        "switch_label": "Language",
        "breadcrumb": "Breadcrumb",
        "catalogue": "Catalogue",
        "datasets": "Datasets",
        "municipalities": "Municipalities",
        "years": "Years",
        "last_updated": "Last updated",
        "contents": "Contents",
        "rows_in_tables": "{rows} in {tables}",
        "and": "and",
        "and_more": "and {n} more",
        "publisher": "Published by",
        "licence": "Licence",
        "cadence": "Update frequency",
        "release": "Release",
        "on_this_page": "On this page",
        "grain": "What one row is",
        "downloads": "Download",
        "dl_csv": "opens in Excel, LibreOffice or Google Sheets",
        "dl_parquet": "for analysis with Python, R or DuckDB",
        "dl_datapackage": "technical description of all the tables (Frictionless Data)",
        "dictionary": "Data dictionary",
        "dictionary_caption": "Fields of “{table}”",
        "primary_key": "Each row is identified by the combination of:",
        "col_field": "Field",
        "col_type": "Type",
        "col_meaning": "Meaning",
        "col_rules": "Rules",
        "col_privacy": "Privacy",
        "rule_pk": "Part of the row identifier",
        "rule_required": "Always has a value",
        "rule_unique": "Never repeats in the table",
        "rule_pattern": "Format (regular expression):",
        "rule_between": "Between {min} and {max}",
        "rule_min": "At least {min}",
        "rule_max": "At most {max}",
        "rule_len_between": "Between {min} and {max} characters",
        "rule_len_min": "At least {min} characters",
        "rule_len_max": "At most {max} characters",
        "rule_fk": "Must exist in “{resource}”, field",
        "rule_enum": "Possible values:",
        "rule_none": "No rules",
        "preview": "Preview",
        "preview_empty": "This table has no rows.",
        "query": "Query it with code",
        "query_open": "See the code (DuckDB, Python, R)",
        "query_url": "Reads the Parquet file straight from this site, no manual download.",
        "query_local": "Download the Parquet file and run the code in the same folder.",
        "sources": "Sources",
        "sources_intro": "Files delivered by the municipality that this dataset was built from.",
        "sources_caption": "Source files",
        "col_file": "File",
        "col_sha256": "SHA-256 fingerprint",
        "col_rows_read": "Rows read",
        "quality": "Quality: what happened to each row",
        "quality_none_quarantined": "No rows were quarantined.",
        "quality_reasons": "Why rows were not published:",
        "quality_total": "Every row is accounted for: {equation}.",
        "quality_note": (
            "Rows that were not published are not shown because they may hold unscrubbed"
            " personal data; the municipality reviews them and corrects them at the source."
        ),
        "footer_licence": "Data licence:",
        "footer_publisher": "Published by:",
        "footer_release": "Release {release}, generated on {date}.",
        "footer_generator": "Generated by abierto.",
        "search_title": "Search the data",
        "search_label": "Words",
        "search_hint": "Searches titles, descriptions and column names.",
        "search_button": "Search",
        "search_reset": "Show all",
        "facet_kind": "Kind of data",
        "facet_municipality": "Municipality",
        "facet_year": "Year",
        "facet_all": "All",
        "results_one": "{n} dataset matches.",
        "results_many": "{n} datasets match.",
        "kind": "Kind",
        "charts": "Charts",
        "catalog_downloads": "The whole catalogue",
        "dl_duckdb_catalog": "DuckDB database with every table of every dataset",
        "dl_notes": "release notes: what changed",
        "dl_checksums": "SHA-256 fingerprint of every file",
        "changes": "Changes since the previous release",
        "changes_counts": "{table}: {added} rows added, {removed} removed, {changed} changed",
        "cite_latest": "The newest release is always at:",
        "metadata": "Metadata for portals and search engines:",
        "next_update": "Next update",
        "late_flag": "(late)",
        "due_ok": (
            "The transparency law requires this data to be updated every month; the next"
            " update is due by {date}."
        ),
        "due_late": (
            "Late: the transparency law requires this data to be updated every month and the"
            " update was due by {date} (checked on {generated})."
        ),
        "downloads_all": "Download",
        "downloads_more": "Each table is also available as Parquet, in its section below.",
        "dl_xlsx": "Excel workbook with every table",
        "dl_duckdb": "DuckDB database with every table",
        "changelog": "Recent releases",
        "cite": "Cite this version",
        "cite_intro": (
            "To cite exactly this data, give the release and the SHA-256 fingerprint of its"
            " description (datapackage.json):"
        ),
        "cite_version": "Release {release} [dataset]",
        "cite_title": "Title",
        "chart_table": "See the chart's data as a table",
        "chart_pesos": "in pesos",
        # the citizen's side: ask for what is not here, report a problem (citizen.py)
        "citizen_title": "Can't find what you are looking for?",
        "citizen_ask": (
            "You can ask {comuna} for any information it holds with an access to"
            " information request (Law 20.285): it is free and must be answered within 20"
            " working days, extendable by 10."
        ),
        "citizen_portal_own": "{comuna}'s request portal",
        "citizen_no_portal": (
            "{comuna} has not given this catalog a request portal of its own; you can file"
            " your request on the Council for Transparency's portal:"
        ),
        "citizen_portal_national": "Portal de Transparencia (the State's transparency portal)",
        "citizen_ask_many": (
            "Each comuna handles its own access to information requests (Law 20.285): they"
            " are free and must be answered within 20 working days, extendable by 10."
        ),
        "citizen_national_marker": "no portal of its own given",
        "report_link": "Report a problem with this data",
        "report_note": (
            "Opens your e-mail program with a message to {email} that already names the"
            " data, the comuna and release {release}."
        ),
        "report_note_page": (
            "Opens your e-mail program with a message to {email} that already names the"
            " comuna and this page."
        ),
        "report_no_email": "To report a problem with this data, write to {publisher}.",
        # indicators: cards on comuna pages, one page per indicator (indicators.py)
        "indicators": "Indicators",
        "site_nav": "Site sections",
        "indicators_title": "Accountability indicators",
        "indicators_intro": (
            "Each indicator is computed from the data published in this same release and"
            " comes with its numerator, its denominator and the records behind it. It is"
            " compared with the other comunas that have data (percentile and medians),"
            " never as a ranking: always read it with how many comunas are compared."
        ),
        "indicators_home": "How each comuna is doing: {n} indicators with their method.",
        "indicators_all": "All indicators and their methods",
        "comuna_indicators_intro": (
            "{comuna}'s values, with their numerator, their denominator and the records"
            " behind them. Their comparison with the other comunas (percentile and medians)"
            " is in each indicator's national table."
        ),
        "ind_compare": "Compare with other comunas",
        "comuna_indicators_missing": "No data from {comuna} for:",
        "ind_value": "Value",
        "ind_period": "Period",
        "ind_numerator": "Numerator",
        "ind_denominator": "Denominator",
        "ind_records": "Records",
        "ind_status": "Status",
        "ind_percentile": "Percentile",
        "ind_ok": "Published",
        "ind_suppressed": "Suppressed: {reason}",
        "ind_suppressed_short": "Suppressed",
        "ind_breakdown": "Breakdown shown: {label}",
        "ind_breakdowns": "By breakdown, {period}",
        "ind_trend": "Trend by {grain}",
        "ind_trend_table": "See the trend's data in a table",
        "ind_method_link": "Method of “{title}”",
        "ind_method": "Method",
        "ind_version": "Method version: {version}",
        "ind_unit": "Unit",
        "ind_source": "Source data",
        "ind_formula": "Formula",
        "ind_caveats": "Caveats for reading it",
        "ind_thresholds": "Thresholds and their source",
        "ind_no_thresholds": "This indicator uses no legal thresholds.",
        "ind_breakdown_what": "Breakdown",
        "ind_grains": "Periods published",
        "ind_suppression": "When a value is suppressed",
        "ind_suppression_rule": (
            "A value is suppressed (published empty, with its numerator and denominator)"
            " when {records} behind it, when the denominator is zero or"
            " missing, or for the reasons listed. The comparison (percentile and medians)"
            " is published only when at least {comunas} comunas have an unsuppressed value"
            " of the same indicator, period and breakdown."
        ),
        "ind_all_comunas": "All comunas, {period}",
        "ind_all_intro": (
            "The period shown is the one with the most comunas with data (the latest on a tie)."
        ),
        "ind_compare_intro": (
            "Each comuna's value, with its percentile and the national and regional"
            " medians, is in a table per period:"
        ),
        "ind_compare_period": "Table of every comuna, {period}",
        "ind_with_data": "with data",
        "ind_compare_title": "{title}: every comuna, {period}",
        "ind_compare_lead": (
            "Every comuna with a value of this indicator in {period}: the value with its"
            " numerator, its denominator and its records, its percentile among the comunas"
            " with data, the national median and its region's median. The table is ordered"
            " by region and comuna, not by value."
        ),
        "ind_compare_rule": (
            "The percentile and the medians are published only when at least {comunas}"
            " comunas (of the region, for the regional median) have an unsuppressed value;"
            " otherwise “—” is shown. Read a percentile with the number of comunas compared:"
            " it is not a ranking."
        ),
        "ind_compare_with_data": "Comunas with data",
        "ind_compare_suppressed": "Suppressed values",
        "ind_compare_other": "Other periods",
        "ind_median_all": "National median",
        "ind_median_region": "Regional median",
        "ind_sort_label": "Order the table by",
        "ind_sort_published": "Region and comuna (as published)",
        "ind_sort_up": "{column}, lowest first",
        "ind_sort_down": "{column}, highest first",
        "ind_sort_note": (
            "Ordering by value makes no ranking: read each value with its denominator and"
            " with how many comunas it is compared. Suppressed values and those without a"
            " comparison come last."
        ),
        "ind_chart_alt": "Values of “{title}” by comuna and region, {period}",
        "ind_chart_summary": (
            "{n} with data in {period}, values from {low} to {high}; median {median}."
            " {suppressed} suppressed."
        ),
        "ind_chart_empty": "No comuna has a published value in {period}.",
        "ind_comunas_caption": "“{title}” by comuna, {period}",
        "ind_comuna": "Comuna",
        "ind_region": "Region",
        "ind_without_period": "Comunas with data for this indicator, but not for {period}:",
        "ind_no_data": "No comuna has data for this indicator in this release.",
        "ind_median_rule": "The dashed line marks the median of the comunas with data.",
        "unit_ratio": "ratio (0 to 1; also shown as %)",
        "unit_days": "working days",
        "unit_count": "count",
        "unit_index": "index from 0 to 10,000",
        "grain_month": "month",
        "grain_year": "year",
        "source_budgets": "budget",
        "source_contracts": "purchase orders",
        "source_access_requests": "access to information requests",
        "source_budgets_contracts": "budget and purchase orders",
        "comuna_datasets": "Where its datasets stand",
        "comuna_caption": "Datasets of {comuna} in this release",
        "status": "Status",
        "status_published": "Published",
        "status_carried": "Previous version kept: the latest delivery failed its checks",
        "status_blocked": "Not published: no delivery has passed its checks yet",
        "status_missing": "Nothing delivered",
        "published_on": "Published on",
        "freshness": "Up to date until",
        "sql": "Query with SQL in the browser",
        "sql_intro": (
            "Write an SQL query over this release's tables and see the result right here,"
            " or download it as CSV. The query runs in your browser with DuckDB-Wasm,"
            " served by this same site: nothing leaves your computer."
        ),
        "sql_open": "Open the SQL query box (downloads {size} the first time)",
        "sql_examples": "Examples",
        "sql_label": "SQL query",
        "sql_tables": "Tables:",
        "sql_run": "Run",
        "sql_csv": "Download the result as CSV",
        "sql_result": "Query result",
        "sql_loading": "Loading DuckDB-Wasm…",
        "sql_ready": "Ready: write a query and press “Run”.",
        "sql_running": "Running the query…",
        "sql_one": "{n} row.",
        "sql_many": "{n} rows.",
        "sql_truncated": "The first {n} are shown; the CSV has them all.",
        "sql_error": "The query could not run:",
        "sql_file": (
            "The query box needs the site opened from a web server (for example"
            " abierto serve), not as a file."
        ),
    },
}

# (singular, plural) templates, chosen by the count.
PLURALS: dict[str, dict[str, tuple[str, str]]] = {
    "es": {
        "rows": ("{n} fila", "{n} filas"),
        "citizen_portals": (
            "Portal de solicitudes de la comuna",
            "Portales de solicitudes de las {n} comunas",
        ),
        "ind_min_records": ("ningún registro", "menos de {n} registros"),
        "dictionary_open": ("Ver su {n} campo", "Ver sus {n} campos"),
        "datasets_count": ("{n} conjunto de datos", "{n} conjuntos de datos"),
        "tables": ("{n} tabla", "{n} tablas"),
        "preview_caption": (
            "Primera fila de «{table}» ({n} de {total} fila)",
            "Primeras filas de «{table}» ({n} de {total} filas)",
        ),
        "part_in": ("{n} recibida", "{n} recibidas"),
        "part_published": ("{n} publicada", "{n} publicadas"),
        "part_quarantined": ("{n} en cuarentena", "{n} en cuarentena"),
        "part_held": ("{n} retenida", "{n} retenidas"),
        "part_excluded": ("{n} descartada", "{n} descartadas"),
        "quality_in": ("Recibimos {n} fila de las fuentes.", "Recibimos {n} filas de las fuentes."),
        "quality_published": ("Publicamos {n} fila.", "Publicamos {n} filas."),
        "quality_quarantined": (
            "{n} fila quedó en cuarentena por errores en los datos y no se publicó.",
            "{n} filas quedaron en cuarentena por errores en los datos y no se publicaron.",
        ),
        "quality_held": (
            "{n} fila quedó retenida para una revisión de privacidad y no se publicó.",
            "{n} filas quedaron retenidas para una revisión de privacidad y no se publicaron.",
        ),
        "quality_excluded": (
            "{n} fila no contenía datos (por ejemplo, un total o una fila en blanco)"
            " y se descartó.",
            "{n} filas no contenían datos (por ejemplo, totales o filas en blanco)"
            " y se descartaron.",
        ),
    },
    "en": {
        "rows": ("{n} row", "{n} rows"),
        "citizen_portals": (
            "The comuna's request portal",
            "Request portals of the {n} comunas",
        ),
        "ind_min_records": ("no record is", "fewer than {n} records are"),
        "dictionary_open": ("See its {n} field", "See its {n} fields"),
        "datasets_count": ("{n} dataset", "{n} datasets"),
        "tables": ("{n} table", "{n} tables"),
        "preview_caption": (
            "First row of “{table}” ({n} of {total} row)",
            "First rows of “{table}” ({n} of {total} rows)",
        ),
        "part_in": ("{n} received", "{n} received"),
        "part_published": ("{n} published", "{n} published"),
        "part_quarantined": ("{n} quarantined", "{n} quarantined"),
        "part_held": ("{n} held back", "{n} held back"),
        "part_excluded": ("{n} set aside", "{n} set aside"),
        "quality_in": (
            "We received {n} row from the sources.",
            "We received {n} rows from the sources.",
        ),
        "quality_published": ("We published {n} row.", "We published {n} rows."),
        "quality_quarantined": (
            "{n} row was quarantined because of errors in the data and not published.",
            "{n} rows were quarantined because of errors in the data and not published.",
        ),
        "quality_held": (
            "{n} row was held back for a privacy review and not published.",
            "{n} rows were held back for a privacy review and not published.",
        ),
        "quality_excluded": (
            "{n} row held no data (for example a total or a blank row) and was set aside.",
            "{n} rows held no data (for example totals or blank rows) and were set aside.",
        ),
    },
}

TYPES: dict[str, dict[str, str]] = {
    "es": {
        "string": "Texto",
        "integer": "Número entero",
        "number": "Número decimal",
        "boolean": "Sí / no",
        "date": "Fecha (AAAA-MM-DD)",
        "datetime": "Fecha y hora",
        "time": "Hora",
        "year": "Año",
        "yearmonth": "Año y mes",
        "duration": "Duración",
        "geopoint": "Punto geográfico",
        "geojson": "Geometría (GeoJSON)",
        "object": "Objeto (JSON)",
        "array": "Lista (JSON)",
        "any": "Cualquier valor",
    },
    "en": {
        "string": "Text",
        "integer": "Whole number",
        "number": "Decimal number",
        "boolean": "Yes / no",
        "date": "Date (YYYY-MM-DD)",
        "datetime": "Date and time",
        "time": "Time",
        "year": "Year",
        "yearmonth": "Year and month",
        "duration": "Duration",
        "geopoint": "Geographic point",
        "geojson": "Geometry (GeoJSON)",
        "object": "Object (JSON)",
        "array": "List (JSON)",
        "any": "Any value",
    },
}

# Privacy rules a published field may carry (``drop`` never reaches a release).
PRIVACY: dict[str, dict[str, str]] = {
    "public": {"es": "Publicado tal cual", "en": "Published as is"},
    "generalise": {"es": "Generalizado", "en": "Generalised"},
    "scrub": {"es": "Texto depurado de datos personales", "en": "Text scrubbed of personal data"},
    "pseudonymise": {"es": "Seudonimizado", "en": "Pseudonymised"},
    "redact_natural_person": {
        "es": "Omitido cuando el proveedor es persona natural",
        "en": "Omitted when the supplier is a natural person",
    },
}

MONTHS = {
    "es": [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}

FORMATS = {
    "csv": "CSV",
    "parquet": "Parquet",
    "datapackage": "JSON",
    "json": "JSON",
    "xlsx": "Excel",
    "duckdb": "DuckDB",
    "duckdb_catalog": "DuckDB",
    "notes": "Markdown",
    "checksums": "SHA256SUMS",
}

# What kind of data each dataset is (the search facet); others fall back to their title.
KINDS = {
    "budgets": {"es": "Presupuesto", "en": "Budget"},
    "contracts": {"es": "Compras públicas", "en": "Public purchasing"},
    "access_requests": {"es": "Solicitudes de acceso", "en": "Access requests"},
}
