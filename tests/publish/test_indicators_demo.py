"""The demo release publishes the indicators, and every published value is recomputed
here by independent SQL (written for this test, sharing nothing with
`publish.indicators`) over the release's published Parquet files."""

from __future__ import annotations

import datetime as dt
import json
import math

import duckdb
import pandas as pd
import pytest

from publish.indicators.methods import METHODS
from tests.publish.conftest import DEMO_RELEASE

KEY = ["comuna_code", "indicator_id", "period", "breakdown"]
MIN_RECORDS = 5  # the stated rule: shares, medians and concentrations need 5 records

INDEPENDENT = """
create view bl as select * from 'budgets/budget_lines.parquet';
create view po as select * from 'contracts/purchase_orders.parquet'
    where coalesce(status, '') <> 'cancelada';
create view ar as select * from 'access_requests/access_requests.parquet';

-- budget lines with no published ancestor account in the same comuna/year/month/area
create view tops as
    select b.*, substr(b.account_code, 1, 2) as sub from bl b
    left join bl p on p.comuna_code = b.comuna_code and p.fiscal_year = b.fiscal_year
        and p.month = b.month and p.area = b.area
        and b.account_code like p.account_code || '.%'
    where p.account_code is null;

create table expected as
with budget as (
    select comuna_code, fiscal_year || '-' || lpad(month::varchar, 2, '0') as period, sub,
        account_type, amount_initial_clp as i, amount_current_clp as c,
        amount_accrued_clp as a, amount_paid_clp as p
    from tops
), budget_groups as (
    select comuna_code, period, sub as breakdown, account_type, sum(i) i, sum(c) c, sum(a) a,
        sum(p) p, count(*) n from budget group by comuna_code, period, sub, account_type
    union all
    select comuna_code, period, 'total', account_type, sum(i), sum(c), sum(a), sum(p), count(*)
    from budget group by comuna_code, period, account_type
)
select comuna_code, 'budget_execution_rate' indicator_id, period, breakdown, a num, c den, n
    from budget_groups where account_type = 'gasto'
union all select comuna_code, 'budget_modification', period, breakdown, c, i, n
    from budget_groups where account_type = 'gasto'
union all select comuna_code, 'budget_payment_rate', period, breakdown, p, a, n
    from budget_groups where account_type = 'gasto'
union all select comuna_code, 'income_collection_rate', period, breakdown, p, c, n
    from budget_groups where account_type = 'ingreso'
union all
select comuna_code, 'requests_on_time_share', p, 'total',
    sum(case when is_on_time then 1 else 0 end),
    sum(case when is_on_time is null then 0 else 1 end),
    sum(case when is_on_time is null then 0 else 1 end)
from (select *, unnest([strftime(received_date, '%Y-%m'), year(received_date)::varchar]) p
      from ar) group by comuna_code, p
union all
select comuna_code, 'requests_extended_share', p, 'total',
    sum(case when is_extended then 1 else 0 end), count(*), count(*)
from (select *, unnest([strftime(received_date, '%Y-%m'), year(received_date)::varchar]) p
      from ar) group by comuna_code, p
union all
select comuna_code, 'requests_denied_share', p, 'total',
    sum(case when outcome = 'denegada' or outcome = 'entregada_parcialmente' then 1 else 0 end),
    sum(case when outcome in ('entregada', 'entregada_parcialmente', 'denegada', 'inexistente')
        then 1 else 0 end),
    sum(case when outcome in ('entregada', 'entregada_parcialmente', 'denegada', 'inexistente')
        then 1 else 0 end)
from (select *, unnest([strftime(received_date, '%Y-%m'), year(received_date)::varchar]) p
      from ar) group by comuna_code, p
union all
select comuna_code, 'purchases_orders_share_by_method', per, m.method,
    count(*) filter (where procurement_method = m.method), count(*), count(*)
from (select *, unnest([strftime(created_date, '%Y-%m'), year(created_date)::varchar]) per
      from po),
    (select unnest(['licitacion_publica', 'licitacion_privada', 'trato_directo',
                    'convenio_marco', 'compra_agil', 'otro']) method) m
group by comuna_code, per, m.method
union all
select comuna_code, 'purchases_amount_share_by_method', per, m.method,
    coalesce(sum(amount_total_clp) filter (where procurement_method = m.method), 0),
    sum(amount_total_clp), count(*)
from (select *, unnest([strftime(created_date, '%Y-%m'), year(created_date)::varchar]) per
      from po),
    (select unnest(['licitacion_publica', 'licitacion_privada', 'trato_directo',
                    'convenio_marco', 'compra_agil', 'otro']) method) m
group by comuna_code, per, m.method;
"""


def _demo_release(demo_site):
    return demo_site.parent / "releases" / DEMO_RELEASE


@pytest.fixture(scope="module")
def published(demo_site) -> pd.DataFrame:
    return pd.read_parquet(_demo_release(demo_site) / "indicators/indicators.parquet")


def test_the_demo_publishes_every_indicator_for_villa_ejemplo(published, demo_site):
    assert set(published.comuna_code) == {"99901"}
    assert set(published.indicator_id) == set(METHODS)
    release = _demo_release(demo_site)
    for name in ("indicators", "indicator_methods", "utm_values", "comunas"):
        for ext in ("csv", "parquet"):
            assert (release / "indicators" / f"{name}.{ext}").is_file()
    # the demo is of 2026: its UTM values are not in the list yet, so the split-purchase
    # flag is suppressed rather than computed against a guessed threshold
    split = published[published.indicator_id == "purchases_split_direct"]
    assert split.is_suppressed.all() and set(split.suppression_reason) == {"utm_unknown"}
    # one comuna: no comparison is ever published
    assert published.percentile.isna().all() and published.median_all.isna().all()
    kept = published[~published.is_suppressed]
    assert (kept.comunas_with_data == 1).all()


def test_the_release_duckdb_file_has_views_of_the_indicators(demo_site):
    release = _demo_release(demo_site)
    with duckdb.connect(str(release / "abierto.duckdb"), read_only=True) as con:
        con.execute("set variable abierto_base = ?", [str(release)])
        count = con.execute("select count(*) from indicators").fetchone()[0]
        methods = con.execute("select count(*) from indicator_methods").fetchone()[0]
    assert count == len(pd.read_parquet(release / "indicators/indicators.parquet"))
    assert methods == len(METHODS)


def _expected(release) -> pd.DataFrame:
    con = duckdb.connect()
    con.execute(f"set file_search_path = '{release}'")
    con.execute(INDEPENDENT)
    return con.sql("select * from expected").df()


def test_independent_sql_gives_the_published_values(published, demo_site):
    expected = _expected(_demo_release(demo_site)).set_index(KEY)
    mine = published.set_index(KEY)
    checked = 0
    for key, want in expected.iterrows():
        got = mine.loc[key]
        assert got.numerator == pytest.approx(float(want.num)), key
        assert got.denominator == pytest.approx(float(want.den)), key
        assert got.records == want.n, key
        ratio = want.num / want.den if want.den and want.den > 0 else math.nan
        needs = MIN_RECORDS if METHODS[key[1]].min_records > 1 else 1
        suppressed = want.n < needs or math.isnan(ratio)
        assert bool(got.is_suppressed) == suppressed, key
        if not suppressed:
            assert got.value == pytest.approx(ratio, abs=1e-9), key
            checked += 1
    assert checked > 100
    families = {k[1] for k in expected.index}
    assert families == {
        "budget_execution_rate", "budget_modification", "budget_payment_rate",
        "income_collection_rate", "requests_on_time_share", "requests_extended_share",
        "requests_denied_share", "purchases_orders_share_by_method",
        "purchases_amount_share_by_method",
    }  # fmt: skip
    # every published row of these indicators was recomputed
    assert len(published[published.indicator_id.isin(families)]) == len(expected)


def test_independent_medians_concentration_overdue_and_orders_vs_spending(published, demo_site):
    release = _demo_release(demo_site)
    requests = pd.read_parquet(release / "access_requests/access_requests.parquet")
    orders = pd.read_parquet(release / "contracts/purchase_orders.parquet")
    orders = orders[orders.status != "cancelada"]
    lines = pd.read_parquet(release / "budgets/budget_lines.parquet")
    mine = published.set_index(KEY)

    # median working days (pandas), by month received
    requests["month"] = pd.to_datetime(requests.received_date).dt.strftime("%Y-%m")
    for month, group in requests.groupby("month"):
        days = group.working_days_taken.dropna()
        got = mine.loc[("99901", "requests_median_working_days", month, "total")]
        assert got.records == len(days)
        if len(days) >= MIN_RECORDS:
            assert got.value == pytest.approx(days.median())

    # open requests past their deadline at each month end
    for month in sorted(requests.month.unique()):
        end = (pd.Timestamp(month) + pd.offsets.MonthEnd(0)).date()
        received = requests[requests.received_date <= end]
        answered_later = received.response_date.map(lambda d, end=end: d is not None and d > end)
        in_process = received.response_date.isna() & (received.status == "en_tramite")
        open_ = received[answered_later | in_process]
        late = open_[open_.legal_deadline_date < end]
        got = mine.loc[("99901", "requests_overdue_open", month, "total")]
        assert (got.value, got.denominator, got.records) == (len(late), len(open_), len(received))

    # top-5 share and HHI of the year, suppliers by RUT or name
    orders["supplier"] = orders.supplier_rut.fillna("name:" + orders.supplier_name.str.upper())
    by_supplier = orders.groupby("supplier").amount_total_clp.sum().sort_values(ascending=False)
    total = by_supplier.sum()
    top5 = mine.loc[("99901", "purchases_top5_supplier_share", "2026", "total")]
    assert top5.value == pytest.approx(by_supplier.head(5).sum() / total)
    hhi = mine.loc[("99901", "purchases_supplier_hhi", "2026", "total")]
    assert hhi.value == pytest.approx(((by_supplier / total * 100) ** 2).sum())

    # orders accepted in October against accrued spending in 22, 29, 31 in October
    tops = lines[lines.account_code.str.len() == 9]  # the demo publishes asignaciones only
    spend = tops[
        (tops.account_type == "gasto") & tops.account_code.str[:2].isin(["22", "29", "31"])
    ]
    accrued = spend.groupby("month").amount_accrued_clp.sum()
    accepted = orders[orders.accepted_date.map(lambda d: d is not None and d.month == 10)]
    got = mine.loc[("99901", "orders_vs_accrued_spending", "2026-10", "total")]
    assert got.denominator == accrued[10] - accrued[9]
    assert got.value == pytest.approx(accepted.amount_total_clp.sum() / (accrued[10] - accrued[9]))


def test_a_failure_of_the_indicators_carries_their_previous_release(tmp_path, monkeypatch):
    """The datasets still publish; the indicators keep the previous release's package and
    the failure is reported as the catalog's failures are."""
    from datasets.descriptor import SLUGS
    from datasets.municipalities import load_installation
    from pipelines import steps
    from pipelines.cli import seed_demo
    from pipelines.home import Home
    from publish import publication
    from publish.catalog import build_package, publish_release

    home = Home(tmp_path / "home")
    seed_demo(home)
    installation = load_installation()
    day = dt.date(2026, 11, 2)
    packages = []
    for slug in SLUGS:
        prepared = steps.prepare(
            steps.validate(steps.ingest(home, installation, slug), installation, home.quarantine),
            installation,
            as_of=day,
        )
        folder = home.root / "build" / slug
        packages.append(
            build_package(prepared, installation, folder, release_id="2026-11-02", generated_on=day)
        )
    first = publish_release(home.site, installation, packages, release_id="2026-11-02",
                            generated_on=day)  # fmt: skip
    assert first.failures == []

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(publication, "write_indicators", broken)
    monkeypatch.setattr(publication, "indicators_fingerprint", lambda: "a new method")
    second = publish_release(home.site, installation, packages, release_id="2026-11-03",
                             generated_on=day)  # fmt: skip
    assert second.is_new and second.release_id == "2026-11-03"
    assert [(f["dataset"], f["type"]) for f in second.failures] == [("indicators", "catalog-error")]
    manifest = json.loads((home.root / "releases/2026-11-03/release.json").read_text("utf-8"))
    assert manifest["catalog"]["datasets"]["indicators"]["release_id"] == "2026-11-02"
    assert (home.root / "releases/2026-11-03/indicators/indicators.parquet").is_file()
    assert manifest["catalog"]["datasets"]["budgets"]["release_id"] == "2026-11-03"
