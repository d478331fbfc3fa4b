"""Revenue and logo retention from the subscriptions table: KPIs, MRR movements and signup cohorts.

Everything is read from MRR at month ends, paid as ``data.subscriptions.paying_on`` says
(end_date is the last paid day, whatever the export's convention: a contract ending on the
31st is not a churn on the 31st). Definitions (seed 001), over a period t0 -> t1, for
the accounts paying at t0 only (new accounts never enter a retention ratio):

- GRR = sum(min(MRR1, MRR0)) / sum(MRR0): churn and contraction count, expansion does not
- NRR = sum(MRR1) / sum(MRR0): expansion counts too
- logo retention = accounts still paying at t1 / accounts paying at t0
- expansion rate = accounts paying more at t1 than at t0 / accounts paying at t0

A late renewal shows as a churn in one month and a reactivation in the next: the
movements table keeps both, so the month's arithmetic always balances.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.churn.survival import censored
from helpers.data.subscriptions import mrr_at

MOVEMENTS = ["new", "expansion", "reactivation", "contraction", "churn"]


def month_ends(first: pd.Timestamp, as_of: pd.Timestamp) -> pd.DatetimeIndex:
    """Month ends from the one containing ``first`` to the last one on or before ``as_of``."""
    return pd.date_range(first + pd.offsets.MonthEnd(0), as_of, freq="ME")


def mrr_matrix(subscriptions: pd.DataFrame, dates) -> pd.DataFrame:
    """accounts x dates: MRR paid on each date (0 when not paying)."""
    cols = {d: mrr_at(subscriptions, d) for d in dates}
    accounts = sorted(subscriptions.account_id.unique())
    return pd.DataFrame(cols).reindex(accounts).fillna(0.0).rename_axis("account_id")


def kpis(subscriptions: pd.DataFrame, t0: pd.Timestamp, t1: pd.Timestamp) -> dict:
    """GRR, NRR, logo retention and expansion rate from t0 to t1, with the sums they come from."""
    m = mrr_matrix(subscriptions, [t0, t1])
    start = m[m[t0] > 0]
    before, after = start[t0], start[t1]
    base = float(before.sum())
    if not len(start):
        return {"start": t0.date().isoformat(), "end": t1.date().isoformat(), "accounts_at_start": 0}
    return {
        "start": t0.date().isoformat(),
        "end": t1.date().isoformat(),
        "accounts_at_start": len(start),
        "accounts_retained": int((after > 0).sum()),
        "accounts_expanded": int((after > before).sum()),
        "mrr_at_start": round(base, 2),
        "mrr_retained_capped": round(float(np.minimum(before, after).sum()), 2),
        "mrr_at_end_from_start_accounts": round(float(after.sum()), 2),
        "grr": round(float(np.minimum(before, after).sum()) / base, 4),
        "nrr": round(float(after.sum()) / base, 4),
        "logo_retention": round(float((after > 0).mean()), 4),
        "expansion_rate": round(float((after > before).mean()), 4),
    }


def trailing_year(subscriptions: pd.DataFrame, t1: pd.Timestamp) -> dict:
    return kpis(subscriptions, t1 - pd.DateOffset(years=1), t1)


def movements(subscriptions: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Per month: MRR at the start, new, expansion, reactivation, contraction, churn, MRR at the end.

    start + new + expansion + reactivation - contraction - churn = end, for every month.
    """
    dates = month_ends(subscriptions.start_date.min() - pd.offsets.MonthEnd(1), as_of)
    m = mrr_matrix(subscriptions, dates)
    paid_before = m.gt(0).cummax(axis=1).shift(axis=1, fill_value=False)
    rows = []
    for prev, cur in zip(dates[:-1], dates[1:]):
        a, b, seen = m[prev], m[cur], paid_before[cur]
        delta = b - a
        rows.append(
            {
                "month": cur.strftime("%Y-%m"),
                "mrr_start": a.sum(),
                "new": b[(a == 0) & ~seen].sum(),
                "expansion": delta[(a > 0) & (b > a)].sum(),
                "reactivation": b[(a == 0) & seen].sum(),
                "contraction": -delta[(b > 0) & (b < a)].sum(),
                "churn": a[(a > 0) & (b == 0)].sum(),
                "mrr_end": b.sum(),
            }
        )
    return pd.DataFrame(rows).round(2)


def signups(subscriptions: pd.DataFrame) -> pd.Series:
    """Each account's first subscription start."""
    return subscriptions.groupby("account_id").start_date.min()


def logo_cohorts(subscriptions: pd.DataFrame, as_of: pd.Timestamp, max_months: int = 24) -> pd.DataFrame:
    """Share of each signup month's accounts still paying k month ends later (k = 0 is the signup month's end).

    Columns: cohort, accounts, then 0..max_months; a cell is empty until that month end has passed.
    """
    first = signups(subscriptions)
    dates = month_ends(first.min(), as_of)
    m = mrr_matrix(subscriptions, dates)
    cohort = first.dt.to_period("M")
    rows = []
    for c, members in cohort.groupby(cohort):
        paying = m.loc[members.index]
        row = {"cohort": str(c), "accounts": len(members)}
        for k in range(max_months + 1):
            end = (c + k).to_timestamp(how="end").normalize()
            row[k] = round(float(paying[end].gt(0).mean()), 4) if end in paying else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def revenue_cohorts(subscriptions: pd.DataFrame, as_of: pd.Timestamp, max_quarters: int = 8) -> pd.DataFrame:
    """Net revenue retention of each signup quarter: its MRR k quarter ends later / its MRR at its own quarter end.

    Columns: cohort, accounts, mrr_q0, then 0..max_quarters.
    """
    first = signups(subscriptions)
    cohort = first.dt.to_period("Q")
    quarter_ends = [q.to_timestamp(how="end").normalize() for q in pd.period_range(cohort.min(), as_of, freq="Q")]
    quarter_ends = [d for d in quarter_ends if d <= as_of]
    m = mrr_matrix(subscriptions, quarter_ends)
    rows = []
    for c, members in cohort.groupby(cohort):
        mrr = m.loc[members.index]
        q0 = (c).to_timestamp(how="end").normalize()
        base = float(mrr[q0].sum()) if q0 in mrr else np.nan
        row = {"cohort": str(c), "accounts": len(members), "mrr_q0": round(base, 2)}
        for k in range(max_quarters + 1):
            end = (c + k).to_timestamp(how="end").normalize()
            row[k] = round(float(mrr[end].sum()) / base, 4) if end in mrr and base > 0 else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def lifetimes(spells: pd.DataFrame, as_of: pd.Timestamp, grace_days: int) -> pd.DataFrame:
    """account_id, signup, days, churned: each account's first paid spell, censored where churn is not yet known."""
    first = spells.sort_values("start").groupby("account_id").first()
    days, churned = censored(first.start, first.end, as_of, grace_days)
    out = pd.DataFrame({"signup": first.start, "days": days, "churned": churned})
    return out[out.days > 0].reset_index()


def arr_bands(arr: pd.Series, edges: list[float]) -> pd.Series:
    """ARR band labels such as '$5K-$20K', from ascending edges."""
    bins = [-np.inf, *edges, np.inf]
    labels = [_band(lo, hi) for lo, hi in zip(bins[:-1], bins[1:])]
    return pd.cut(arr, bins, labels=labels, right=False)


def _band(lo: float, hi: float) -> str:
    k = lambda v: f"${v / 1000:g}K"
    return f"under {k(hi)}" if lo == -np.inf else (f"{k(lo)} and over" if hi == np.inf else f"{k(lo)}-{k(hi)}")


def health_now(health: pd.DataFrame | None) -> pd.Series:
    """Today's health score per account from notebook 09's table (``account_health.csv``); empty when
    the run has none (``health_note`` says so)."""
    if health is None:
        return pd.Series(dtype=float, name="health_score", index=pd.Index([], name="account_id"))
    return health.set_index("account_id").health_score


def health_note(health: pd.Series) -> str:
    """Where the value bands' average health comes from, or why they have none."""
    if health.empty:
        return "no account_health.csv in this run (notebook 09 has not run): no average health per band"
    return f"average health now: notebook 09's scores of {len(health):,} accounts"


def by_value_band(
    subscriptions: pd.DataFrame, t1: pd.Timestamp, edges: list[float], health: pd.Series | None = None
) -> pd.DataFrame:
    """Trailing-year logo retention and NRR per band of ARR at the year's start, with today's average health
    (when there is any: ``health_now``)."""
    t0 = t1 - pd.DateOffset(years=1)
    m = mrr_matrix(subscriptions, [t0, t1])
    start = m[m[t0] > 0]
    band = arr_bands(start[t0] * 12, edges)
    out = start.groupby(band, observed=False).agg(
        accounts=(t0, "size"), mrr_start=(t0, "sum"), mrr_end=(t1, "sum"), retained=(t1, lambda s: int((s > 0).sum()))
    )
    out["logo_retention"] = (out.retained / out.accounts).round(4)
    out["nrr"] = (out.mrr_end / out.mrr_start).round(4)
    if health is not None and len(health):
        out["average_health_now"] = health.reindex(start.index).groupby(band, observed=False).mean().round(1)
    return out.rename_axis("arr_band").reset_index()


def month_before(t: pd.Timestamp) -> pd.Timestamp:
    """The previous period's close: a month earlier (31 Oct -> 30 Sep; 31 Mar -> 28 Feb)."""
    t = pd.Timestamp(t)
    return t - pd.DateOffset(months=1) + (pd.offsets.MonthEnd(0) if t.is_month_end else pd.DateOffset(0))


KPI_NAMES = {
    "grr": "Gross revenue retention",
    "nrr": "Net revenue retention",
    "logo_retention": "Logo retention",
    "expansion_rate": "Expansion rate",
}


def kpi_table(now: dict, before: dict) -> pd.DataFrame:
    """The four trailing-year KPIs now and a month earlier, with the counts behind them."""
    rows = [
        {
            "kpi": label,
            "now": now.get(key),
            "previous period": before.get(key),
            "change (points)": round(100 * (now[key] - before[key]), 1) if key in now and key in before else np.nan,
        }
        for key, label in KPI_NAMES.items()
    ]
    table = pd.DataFrame(rows)
    table.attrs["basis"] = (
        f"{now['start']} to {now['end']}: {now.get('accounts_at_start', 0):,} accounts paying "
        f"${now.get('mrr_at_start', 0):,.0f} MRR at the start"
    )
    return table


def cohort_size_warning(table: pd.DataFrame, min_size: int) -> str:
    small = table[table.accounts < min_size]
    if small.empty:
        return f"every cohort has at least {min_size} accounts"
    if len(small) == len(table) > 3:
        return (
            f"every one of the {len(table)} cohorts has fewer than {min_size} accounts (largest n={table.accounts.max()}): "
            "single cells move by several points per account; read whole columns, or the quarterly cohorts"
        )
    return (
        f"{len(small)} of {len(table)} cohorts have fewer than {min_size} accounts "
        f"({', '.join(f'{c} n={n}' for c, n in zip(small.cohort.astype(str), small.accounts))}): "
        "their percentages move by several points per account; compare them with care"
    )


def _trailing_year_sentence(now: dict, pct) -> str:
    if "grr" not in now:  # nobody paid at the year's start: the history is shorter than a year
        return (
            f"No trailing year to {now['end']} yet: no account was paying on {now['start']}, so GRR, NRR and "
            "logo retention need a longer subscription history (a year before as_of)."
        )
    return (
        f"Trailing year to {now['end']}: GRR {pct(now['grr'])}, NRR {pct(now['nrr'])}, logo retention "
        f"{pct(now['logo_retention'])}, expansion rate {pct(now['expansion_rate'])} "
        f"({now['accounts_at_start']:,} accounts at the start)."
    )


def summary(now: dict, before: dict, behaviours: pd.DataFrame, segments: pd.DataFrame, moves: pd.DataFrame) -> str:
    """What notebook 12 found, in sentences built from its tables."""
    pct = lambda v: f"{100 * v:.1f} %"
    lines = [_trailing_year_sentence(now, pct)]
    if "nrr" in before:
        lines.append(f"A month earlier: GRR {pct(before['grr'])}, NRR {pct(before['nrr'])}.")
    if len(segments) > 1:
        col = next(c for c in segments.columns if c.startswith("retained_365"))
        best, worst = segments.sort_values(col).iloc[-1], segments.sort_values(col).iloc[0]
        lines.append(
            f"After a year, {pct(best[col])} of {best.segment} accounts still pay against {pct(worst[col])} of {worst.segment}."
        )
    strong = behaviours[behaviours.note == ""]
    if len(strong):
        top = strong.iloc[0]
        col = next(c for c in behaviours.columns if c.startswith("retained_") and c.endswith("_did"))
        lines.append(
            f"Strongest early sign: accounts that {top.behaviour.lower()} in their first 30 days kept "
            f"{pct(top[col])} (index {top['index']:.2f})."
        )
    last = moves.iloc[-1]
    lines.append(
        f"{last.month}: MRR ${last.mrr_start:,.0f} -> ${last.mrr_end:,.0f} (new ${last.new:,.0f}, expansion "
        f"${last.expansion:,.0f}, reactivation ${last.reactivation:,.0f}, contraction ${last.contraction:,.0f}, "
        f"churn ${last.churn:,.0f})."
    )
    return "\n".join(lines)
