"""Product events, generated a chunk of users at a time and streamed to Parquet.

A user is active on a day with a probability that rises with their latent skill
and their account's latent health, falls at weekends, and follows the account's
pre-churn decline. Each active day opens with a session event, then a Poisson
number of actions drawn from the user's own mix: experts lean to advanced and
expansion features, beginners to help pages, and passive events say nothing.
Events with a ``churn_beta`` also follow the account's churn risk (``churn_risk``),
month by month: the mix shifts between them and the rest, the number of actions does not.
How much of the account's health shows in how often users come is ``Product.health_coupling``.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .products import Product

SECOND_SESSION = 0.25
DECLINE_RISK = 1.5  # churn risk added by the end of the pre-churn decline, in sd of latent health


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def write_events(
    path,
    product: Product,
    users,
    accounts,
    origin,
    seed: int,
    chunk_users: int,
    column_names: dict[str, str],
    progress=None,
) -> int:
    """Write all events to one Parquet file (a row group per chunk); return the row count."""
    mix_events = [e for e in product.events if e.name != product.session_event]
    names = [product.session_event] + [e.name for e in mix_events]
    base = np.array([e.base for e in mix_events], dtype=np.float32)
    beta = np.array([e.skill_beta for e in mix_events], dtype=np.float32)
    churn_beta = np.array([e.churn_beta for e in mix_events], dtype=np.float32)
    mix = (base, beta, churn_beta, churn_risk(accounts))
    seen = accounts.seen(product.health_coupling)  # how often users come and how much they do
    dictionaries = {
        "user_id": pa.array(users.user_id.to_numpy(), pa.string()),
        "account_id": pa.array(accounts.table.account_id.to_numpy(), pa.string()),
        "event": pa.array(names, pa.string()),
    }
    n_days = accounts.health.shape[1]
    weekday = np.where(((np.arange(n_days) + origin.weekday()) % 7) >= 5, 0.2, 1.0).astype(np.float32)
    origin_us = np.datetime64(origin, "us").astype(np.int64)
    schema = pa.schema(
        [(column_names[c], pa.dictionary(pa.int32(), pa.string())) for c in ("user_id", "account_id", "event")]
        + [(column_names["timestamp"], pa.timestamp("us"))]
    )
    total = 0
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for i, lo in enumerate(range(0, len(users), chunk_users)):
            chunk = users.iloc[lo : lo + chunk_users]
            rng = np.random.default_rng([seed, 7, i])
            u, acc, ev, ts = _chunk_events(rng, chunk, lo, seen, weekday, mix, product)
            arrays = [
                pa.DictionaryArray.from_arrays(pa.array(x, pa.int32()), dictionaries[k])
                for k, x in (("user_id", u), ("account_id", acc), ("event", ev))
            ]
            arrays.append(pa.array(origin_us + ts, pa.timestamp("us")))
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
            total += len(u)
            if progress is not None:
                progress.update(len(chunk))
    return total


def churn_risk(accounts) -> np.ndarray:
    """(accounts, 30-day blocks) what moves the events with a churn_beta: low latent health, plus
    the pre-churn decline as it stands at the block's start (silent churners have none)."""
    return -accounts.health[:, ::30] + np.float32(DECLINE_RISK) * accounts.decline[:, ::30]


def _mix(rng, chunk, a, mix):
    """(users, 30-day blocks, events) cumulative probabilities of each user's action mix."""
    base, beta, churn_beta, risk = mix
    skill = chunk.skill.to_numpy(np.float32)
    noise = rng.normal(0, 0.35, (len(chunk), base.size)).astype(np.float32)
    logits = (base + beta * skill[:, None] + noise)[:, None, :] + churn_beta * risk[a][:, :, None]
    cum = np.cumsum(np.exp(logits - logits.max(2, keepdims=True)), axis=2)
    return cum / cum[..., -1:]


def _chunk_events(rng, chunk, offset, accounts, weekday, mix, product):
    n_days = weekday.size
    a = chunk.account_idx.to_numpy()
    skill = chunk.skill.to_numpy(np.float32)
    days = np.arange(n_days)
    alive = (days >= chunk.created_day.to_numpy()[:, None]) & (days < chunk.left_day.to_numpy()[:, None])
    engagement = accounts.engagement[a]
    p = _sigmoid(-0.9 + product.active_skill * skill[:, None] + 0.6 * accounts.health[a]) * weekday * engagement * alive
    uu, dd = np.nonzero(rng.random(p.shape, dtype=np.float32) < p)

    # Sessions: one per active day, sometimes two.
    sessions = 1 + (rng.random(uu.size) < SECOND_SESSION)
    # Actions: Poisson around a skill-driven intensity, thinned by the decline.
    lam = np.exp(0.9 + product.intensity_skill * skill[uu]) * np.sqrt(engagement[uu, dd])
    actions = rng.poisson(lam)
    cum = _mix(rng, chunk, a, mix)

    s_u, s_d = np.repeat(uu, sessions), np.repeat(dd, sessions)
    a_u, a_d = np.repeat(uu, actions), np.repeat(dd, actions)
    drawn = (rng.random(a_u.size)[:, None] > cum[a_u, a_d // 30]).sum(1) + 1  # +1: index 0 is the session event
    start = np.clip(rng.normal(10.5, 2.5, uu.size) * 3600, 6 * 3600, 21 * 3600).astype(np.int64)
    nth_session = np.arange(s_u.size) - np.repeat(np.cumsum(sessions) - sessions, sessions)
    s_off = start[np.repeat(np.arange(uu.size), sessions)] + nth_session * 3 * 3600
    a_off = start[np.repeat(np.arange(uu.size), actions)] + rng.integers(30, 5400, a_u.size)

    u = np.concatenate([s_u, a_u])
    d = np.concatenate([s_d, a_d])
    sec = np.concatenate([s_off, a_off])
    ev = np.concatenate([np.zeros(s_u.size, np.int64), drawn])
    ts_us = (d.astype(np.int64) * 86400 + np.minimum(sec, 86399)) * 1_000_000
    order = np.lexsort((ev, ts_us, u))
    return (u[order] + offset, a[u[order]], ev[order], ts_us[order])
