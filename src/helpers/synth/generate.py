"""Assemble a dataset folder from the generator's parts."""

from __future__ import annotations

import dataclasses
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from tqdm import tqdm

from .accounts import make_accounts, segment_specs
from .activity import write_events
from .difficulty import Difficulty
from .people import make_labels, make_users
from .products import PRODUCTS, Product
from .signals import make_assessments, make_nps, make_tickets, make_touchpoints

DEFAULT_END = "2026-10-31"


@dataclass(frozen=True)
class Scale:
    accounts: int
    months: int  # history length
    seat_scale: float  # multiplies segment seat ranges (users follow seats)
    label_share: float  # share of users the CSMs label
    chunk_users: int  # users per generated event chunk (memory bound)


SCALES = {
    "tiny": Scale(accounts=70, months=24, seat_scale=0.45, label_share=0.2, chunk_users=4000),
    "sample": Scale(accounts=500, months=36, seat_scale=0.55, label_share=0.1, chunk_users=4000),
    "large": Scale(accounts=10_000, months=42, seat_scale=1.06, label_share=0.05, chunk_users=2500),
}


def generate(
    out: str | Path,
    scale: str = "sample",
    seed: int = 42,
    product: str = "beacon",
    end: str = DEFAULT_END,
    progress: bool = True,
    months: int | None = None,
    accounts: int | None = None,
    monthly_only: bool = False,
    difficulty: Difficulty | None = None,
) -> Path:
    """Write a complete dataset folder to ``out`` (replaced if it exists) and return its path.

    ``months`` and ``accounts`` override the scale's history length and size; ``monthly_only``
    bills every account month to month (a self-serve product); ``difficulty`` sets the labels'
    noise and bias, the share of experts and how many event types tell skill (``synth.difficulty``;
    the default is the bundled datasets'). ``helpers.synth.shapes`` reshapes the folder further,
    into exports shaped unlike this generator's default."""
    difficulty = difficulty or Difficulty()
    spec, prod = SCALES[scale], PRODUCTS[product].with_signal(difficulty.signal_events)
    spec = dataclasses.replace(spec, months=months or spec.months, accounts=accounts or spec.accounts)
    out = Path(out)
    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "truth").mkdir(parents=True)
    last = date.fromisoformat(end)
    origin = _months_before(last, spec.months)
    n_days = (last - origin).days + 1
    rng = np.random.default_rng([seed, 1])

    coupling = prod.health_coupling
    specs = segment_specs(prod.churn_logit)
    accounts = make_accounts(rng, spec.accounts, n_days, spec.seat_scale, monthly_only, specs, coupling)
    users = make_users(np.random.default_rng([seed, 2]), accounts.table, n_days, difficulty.expert_share, coupling)
    labels = make_labels(
        np.random.default_rng([seed, 3]),
        users,
        accounts.table,
        spec.label_share,
        n_days,
        noise=difficulty.label_noise,
        role_bias=difficulty.role_bias,
    )
    sig_rng = np.random.default_rng([seed, 4])
    seen = accounts.seen(coupling)
    tables = {
        "accounts": _accounts_table(accounts.table, origin),
        "users": _users_table(users, origin),
        "subscriptions": _subscriptions_table(accounts, origin),
        "csm_labels": _labels_table(labels, origin),
        "tickets": _tickets_table(make_tickets(sig_rng, seen, users), accounts, origin, last),
        "nps": _dated(make_nps(sig_rng, seen, users), accounts, origin, "day", "responded_at", time=True),
        "touchpoints": _dated(make_touchpoints(sig_rng, seen), accounts, origin, "day", "date"),
        "assessments": _dated(make_assessments(sig_rng, seen), accounts, origin, "day", "assessed_at"),
    }
    tables["touchpoints"] = tables["touchpoints"][tables["touchpoints"].date <= last.isoformat()]
    for name, df in tables.items():
        df.rename(columns=_theirs(prod, name)).to_csv(tmp / prod.table_files.get(name, f"{name}.csv"), index=False)

    bar = tqdm(total=len(users), desc=f"events ({scale})", unit="user", disable=not progress)
    events_file = prod.table_files.get("events", "events.parquet")
    names = {c: _theirs(prod, "events").get(c, c) for c in ("user_id", "account_id", "event", "timestamp")}
    n_events = write_events(tmp / events_file, prod, users, accounts, origin, seed, spec.chunk_users, names, bar)
    bar.close()

    _write_truth(tmp / "truth", accounts, users, labels, origin)
    _write_signal_truth(tmp / "truth", prod)
    shape = scale if spec == SCALES[scale] else f"{scale} with {spec.months} months and {spec.accounts} accounts"
    shape += ", monthly plans only" if monthly_only else ""
    shape += f", {difficulty.describe()}" if difficulty.describe() else ""
    (tmp / "dataset.yaml").write_text(dataset_yaml(prod, shape, seed, n_events, events_file))
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return out


def _months_before(last: date, months: int) -> date:
    y, m = divmod(last.year * 12 + last.month - 1 - months, 12)
    return date(y, m + 1, 1)


def _theirs(prod: Product, table: str) -> dict[str, str]:
    """Our column name -> the product's own, for writing."""
    return {ours: theirs for theirs, ours in prod.renames.get(table, {}).items()}


def _day(origin: date, d) -> pd.Series:
    return pd.Series(pd.Timestamp(origin) + pd.to_timedelta(np.asarray(d, float), unit="D"))


def _accounts_table(acc: pd.DataFrame, origin: date) -> pd.DataFrame:
    plans = {"Enterprise": "Enterprise", "Mid-Market": "Business", "SMB": "Team", "Startup": "Starter"}
    return pd.DataFrame(
        {
            "account_id": acc.account_id,
            "name": [
                f"{w} {i}"
                for w, i in zip(
                    np.array(["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Tyrell"])[
                        acc.idx % 8
                    ],
                    acc.idx + 1,
                )
            ],
            "segment": acc.segment,
            "industry": acc.industry,
            "csm": acc.csm,
            "plan": acc.segment.map(plans),
            "contract_start": _day(origin, acc.start_day).dt.date.astype(str),
        }
    )


def _users_table(users: pd.DataFrame, origin: date) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": users.user_id,
            "account_id": users.account_id,
            "role": users.role,
            "created_at": _day(origin, users.created_day).dt.date.astype(str),
        }
    )


def _subscriptions_table(accounts, origin: date) -> pd.DataFrame:
    s = accounts.subscriptions
    ids = accounts.table.account_id.to_numpy()[s.idx]
    end = _day(origin, s.end_day.fillna(0) - 1).dt.date.astype(str).where(s.end_day.notna(), "")
    return pd.DataFrame(
        {
            "account_id": ids,
            "start_date": _day(origin, s.start_day).dt.date.astype(str),
            "end_date": end,
            "mrr": s.mrr,
            "seats": s.seats.astype(int),
            "billing_period": s.billing,
            "product": "Beacon",
        }
    )


def _labels_table(labels: pd.DataFrame, origin: date) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": labels.user_id,
            "label": labels.label,
            "labeled_by": labels.labeled_by,
            "labeled_at": _day(origin, labels.labeled_day).dt.date.astype(str),
        }
    )


def _stamp(origin: date, d) -> pd.Series:
    return _day(origin, d).dt.floor("s").dt.strftime("%Y-%m-%d %H:%M:%S")


def _tickets_table(t: pd.DataFrame, accounts, origin: date, last: date) -> pd.DataFrame:
    closed = t.opened + t.resolve_days
    still_open = closed >= (last - origin).days + 1
    return pd.DataFrame(
        {
            "ticket_id": t.ticket_id,
            "account_id": accounts.table.account_id.to_numpy()[t.idx],
            "opened_at": _stamp(origin, t.opened),
            "closed_at": _stamp(origin, closed).where(~still_open, ""),
            "priority": t.priority,
            "escalated": t.escalated,
            "csat": t.csat.astype("Int64").where(~still_open),
        }
    )


def _dated(df: pd.DataFrame, accounts, origin: date, day_col: str, out_col: str, time: bool = False) -> pd.DataFrame:
    out = df.drop(columns=["idx", day_col])
    out.insert(0, "account_id", accounts.table.account_id.to_numpy()[df.idx])
    out.insert(1, out_col, _stamp(origin, df[day_col]) if time else _day(origin, df[day_col]).dt.date.astype(str))
    return out


def _write_truth(folder: Path, accounts, users, labels, origin: date) -> None:
    acc = accounts.table
    day = lambda s: _day(origin, s.fillna(0)).dt.date.astype(str).where(s.notna(), "")
    pd.DataFrame(
        {
            "account_id": acc.account_id,
            "segment": acc.segment,
            "churn_date": day(acc.churn_day.astype(float)),
            "decline_start": day(acc.decline_start.astype(float)),
            "silent_churn": acc.silent,
            "reactivated_at": day(acc.reactivated_day.astype(float)),
            "mean_latent_health": accounts.health.mean(1).round(4),
        }
    ).to_csv(folder / "accounts.csv", index=False)
    months = np.arange(0, accounts.health.shape[1], 30)
    pd.DataFrame(
        {
            "account_id": np.repeat(acc.account_id.to_numpy(), months.size),
            "date": np.tile(_day(origin, months).dt.date.astype(str).to_numpy(), len(acc)),
            "latent_health": accounts.health[:, months].ravel().round(4),
        }
    ).to_csv(folder / "account_health_monthly.csv", index=False)
    pd.DataFrame(
        {
            "user_id": users.user_id,
            "account_id": users.account_id,
            "role": users.role,
            "true_tier": users.tier,
            "latent_skill": users.skill.round(4),
            "left_at": _day(origin, users.left_day).dt.date.astype(str),
        }
    ).to_csv(folder / "users.csv", index=False)
    labels[["user_id", "label", "label_correct"]].to_csv(folder / "labels.csv", index=False)
    (folder / "README.md").write_text(
        "# Ground truth\n\nWhat the generator planted. No notebook reads this folder; tests use it to check "
        "that the method recovers the truth.\n"
    )


def _write_signal_truth(folder: Path, prod: Product) -> None:
    """The events planted as signs of churn (bad) or of staying (good), for products that plant any."""
    signs = prod.churn_signs()
    if not signs:
        return
    pd.DataFrame(
        {
            "event": list(signs),
            "planted_as": ["bad_sign" if b > 0 else "good_sign" for b in signs.values()],
            "churn_beta": list(signs.values()),
        }
    ).to_csv(folder / "signal_events.csv", index=False)
    with (folder / "README.md").open("a") as f:
        f.write(
            "\nChurn is planted in the event mix only: `signal_events.csv` lists the events whose rate rises "
            "(bad_sign) or falls (good_sign) with the account's churn risk (low latent health, then the "
            "pre-churn decline); usage volume, seats, tickets, NPS and meetings do not follow it.\n"
        )


def dataset_yaml(prod: Product, scale: str, seed: int, n_events: int, events_file: str) -> str:
    files = {t: {"file": f} for t, f in prod.table_files.items()}
    tables = {t: {**files.get(t, {}), "columns": cols} for t, cols in prod.renames.items()}
    for t, f in files.items():
        tables.setdefault(t, f)
    tables.setdefault("events", {"file": events_file})
    doc = {
        "name": f"{prod.title}, scale {scale}, seed {seed}",
        "description": f"Generated by helpers.synth: {n_events:,} events. Ground truth in truth/ (never read by notebooks).",
        "tables": tables,
        "taxonomy": {
            "session_event": prod.session_event,
            "active_events": prod.active_events(),
            "features": {g: prod.group(g) for g in ("core", "expansion", "advanced")},
            "asset_creation": prod.group("asset"),
            "collaboration": prod.group("collaboration"),
        },
        "roles": {"weights": prod.role_weights, "default_weight": 1.0},
        "churn": {"grace_days": 30},
        "calendar": {"fiscal_year_start_month": 2, "week_starts_on": "monday"},
        "validation": {"orphan_events": "error"},
    }
    return yaml.safe_dump(doc, sort_keys=False, width=100)
