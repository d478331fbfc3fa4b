"""Datasets from another author's churn simulator, to judge our churn model on data nobody here made.

    python benchmarks/churnsim.py --configs test crm5 --seeds 1 2 3 --out data/churnsim [--months N] [--init-customers N]

Runs ChurnSim, the simulator of the book *Fighting Churn with Data* (module ``fightchurn.churnsim`` of the
``fightchurn`` package, 1.2.0), with its own ``test`` and ``crm5`` configurations, one fresh database per run,
and exports each run to our data contract in ``OUT/<config>-seed<N>/``: events.parquet, accounts.csv,
users.csv, subscriptions.csv (every row the simulator wrote, overlaps included), dataset.yaml, a README.md
saying what was simulated, how it was mapped and which ``--as-of`` to run it at, and ``truth/`` (the
simulator's own churn decisions and its configuration; no notebook reads it). ``test`` runs every seed;
``crm5`` only the first (its run is far longer). Same seed, sizes and length, same bytes.

``--months N`` simulates N months from the configuration's start_date instead of its own period (hydra
override ``end_date``): the same event types, behaviour, utilities and churn parameters, only the date range
changes. Such a run goes to ``OUT/<config>-<months>m-seed<seed>/`` (``test-12m-seed1``), so runs of different
lengths never overwrite each other, and its README.md and truth/README.md say the length. ``test``'s own 5
months at its own 500 customers are too short for the churn model (notebooks 10 and 11 step aside: too few
closed snapshots and churners on each side of the time split).

``--init-customers N`` starts the simulation with N customers instead of the configuration's own (hydra
override ``init_customers``; new customers then arrive at the growth rate from there). Such a run goes to
``OUT/<config>[-<months>m]-<N>c-seed<seed>/`` (``test-6m-2900c-seed1``), and its README.md and truth/README.md
say the size; runs at the configuration's own size keep their names. ``benchmarks/bench_predictive.py`` uses
``--configs test --months 7 --init-customers 2900``: about 2,300 accounts paying on 2020-06-30, its as_of.

Not run by CI. It needs:
- the ``fightchurn`` package. ``pip install fightchurn`` pins old versions of matplotlib, pillow, packaging,
  pyparsing, python-dateutil and more, and would downgrade ours; the simulator needs only
  ``pip install --no-deps fightchurn==1.2.0 && pip install hydra-core postgres psycopg2-binary``;
- PostgreSQL's server binaries (initdb, pg_ctl; Debian package ``postgresql``): the simulator writes to
  PostgreSQL, so the script starts a private cluster in a temporary directory (127.0.0.1 only, a free port)
  and removes it afterwards, Ctrl-C included.

Sizes are the configurations' own unless ``--init-customers`` is given. ``test`` (500 initial customers,
5 months) takes 2 to 3.5 minutes a seed on a busy 2-core machine; with ``--months 12`` (about 610 customers,
1.5M events) 1.5 to 3 minutes; with ``--months 7 --init-customers 2900`` (about 3,090 customers, 5M events)
5.5 to 6 minutes, 12 under a parallel test suite. ``crm5`` at its own 2,000 grows to about 4,900 customers and
100M events over its 2 years: about 4 hours, estimated from ``--init-customers 100`` (445 customers, 9.4M events,
25 minutes).
No value brings crm5 much under 15 minutes: the simulator adds ceil(last month's new customers x 1.04) a month,
at least one more each month, so ~280 arrive whatever the start.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import importlib.util
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import date, timedelta
from importlib.metadata import version
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import yaml

CONFIGS = ("test", "crm5")
EVERY_SEED = {"test"}  # the others take the first seed only
ISO_DAY = "%Y-%m-%d"
CHUNK = 1_000_000  # events per fetch and per Parquet row group (fixed: part of the bytes)
PERIODS = {1: "monthly", 3: "quarterly", 6: "semiannual", 12: "annual"}
EVENTS_SCHEMA = [("user_id", pa.string()), ("account_id", pa.string()), ("event", pa.string())]

# Runs the simulator's own entry point (hydra, its configurations) in a child process, recording each churn
# the simulator decides (customer id, the month end it left on, whether mid-term). A child per run: the
# simulator keeps state in class variables and in files under TMPDIR.
DRIVER = """
import sys
from fightchurn.churnsim import churnsim
decide = churnsim.ChurnSimulation.customer_month_end
record = open(sys.argv.pop(1), "w")
def month_end(self, customer, next_month):
    churned = decide(self, customer, next_month)
    if churned:
        print(customer.id, next_month, next_month < customer.next_renewal, sep=",", file=record, flush=True)
    return churned
churnsim.ChurnSimulation.customer_month_end = month_end
churnsim.run_churn_simulation()
"""


def fail(message: str) -> None:
    print(message, file=sys.stderr)
    sys.exit(2)


def postgres_binaries() -> tuple[str, str]:
    found = [shutil.which(b) for b in ("initdb", "pg_ctl")]
    if not all(found):
        versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
        found = [f"{versions[-1]}/{b}" for b in ("initdb", "pg_ctl")] if versions else found
    if not all(found) or not all(os.access(b, os.X_OK) for b in found):
        fail("PostgreSQL server binaries (initdb, pg_ctl) not found: install the Debian package 'postgresql'")
    return found[0], found[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def private_postgres(work: Path):
    """A throwaway cluster in ``work``: 127.0.0.1 only, trust auth, no durability; yields its port."""
    initdb, pg_ctl = postgres_binaries()
    # initdb and postgres refuse to run as root (the server would hand SQL a root shell), so as root the
    # cluster belongs to the unprivileged user nobody, which owns the temporary directory.
    as_user = []
    if os.geteuid() == 0:
        if not shutil.which("runuser"):
            fail("running as root needs runuser (Debian package util-linux) to start PostgreSQL as 'nobody'")
        shutil.chown(work, "nobody")
        as_user = ["runuser", "-u", "nobody", "--"]
    data, port = work / "pgdata", free_port()

    def pg(*cmd):
        done = subprocess.run([*as_user, *cmd], capture_output=True, text=True, start_new_session=True)
        if done.returncode:
            raise RuntimeError(f"{Path(cmd[0]).name} failed: {done.stderr.strip() or done.stdout.strip()}")

    settings = f"-c listen_addresses=127.0.0.1 -c port={port} -k {shlex.quote(str(work))}"
    settings += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    pg(initdb, "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
    try:
        pg(pg_ctl, "start", "-w", "-D", data, "-l", work / "postgres.log", "-o", settings)
        yield port
    finally:
        with contextlib.suppress(RuntimeError):
            pg(pg_ctl, "stop", "-w", "-m", "fast", "-D", data)


def connect(port: int, db: str = "postgres"):
    import psycopg2

    return psycopg2.connect(host="127.0.0.1", port=port, user="postgres", dbname=db)


def admin(port: int, sql: str) -> None:
    con = connect(port)
    con.autocommit = True
    with con.cursor() as cur:  # not `with con`: psycopg2 opens a transaction there, even in autocommit
        cur.execute(sql)
    con.close()


def own_conf(config: str) -> dict:
    """The installed package's conf/<config>.yaml."""
    conf = Path(importlib.util.find_spec("fightchurn.churnsim").origin).parent / "conf" / f"{config}.yaml"
    return yaml.safe_load(conf.read_text())


def own_period(config: str) -> tuple[date, date]:
    """The configuration's own start_date and end_date."""
    found = own_conf(config)
    return date.fromisoformat(str(found["start_date"])), date.fromisoformat(str(found["end_date"]))


def size_text(config: str, init_customers: int | None) -> str:
    """Whether the run's initial customers were set by ``--init-customers`` (empty when not: its own size)."""
    if not init_customers:
        return ""
    own = own_conf(config).get("init_customers")
    return f"Size: {init_customers:,} initial customers, set by `--init-customers {init_customers}`" + (
        f" (hydra override init_customers); the configuration's own is {own:,}." if own else "."
    )


def months_later(day: date, months: int) -> date:
    return (pd.Timestamp(day) + pd.DateOffset(months=months)).date()


def period_overrides(config: str, months: int | None) -> list[str]:
    """The hydra override that makes the simulated period ``months`` long from the configuration's start_date
    (none: its own period). Only the end changes: behaviour, utilities and churn parameters stay its own."""
    if months is None:
        return []
    return [f"end_date='{months_later(own_period(config)[0], months).isoformat()}'"]


def period_text(config: str, start: date, end: date, months: int | None) -> str:
    """How long the run simulated, and whether that is the configuration's own period."""

    def length(a: date, b: date) -> str:
        n = (b.year - a.year) * 12 + b.month - a.month
        return f"{n} months" if months_later(a, n) == b else f"{months_between(a, b)} months"

    if months is None:
        return f"{length(start, end)}, the configuration's own period"
    own_start, own_end = own_period(config)
    return (
        f"{length(start, end)}, set by `--months {months}` (hydra override end_date={end}); the configuration's "
        f"own period is {length(own_start, own_end)}, {own_start} to {own_end}"
    )


def simulate(
    config: str, seed: int, port: int, db: str, work: Path, init_customers: int | None, months: int | None
) -> dict:
    """Run the simulator into database ``db``; its saved configuration plus where its churn decisions are."""
    admin(port, f"CREATE DATABASE {db}")
    run = work / db
    (run / "tmp").mkdir(parents=True)
    env = {
        **os.environ,
        "CHURN_DB": db, "CHURN_DB_USER": "postgres", "CHURN_DB_PASS": "unused", "CHURN_DB_HOST": "127.0.0.1",
        "PGPORT": str(port), "CHURN_OUT_DIR": str(run), "TMPDIR": str(run / "tmp"), "PYTHONHASHSEED": "0",
    }  # fmt: skip
    overrides = [f"random_seed={seed}"] + ([f"init_customers={init_customers}"] if init_customers else [])
    overrides += period_overrides(config, months)
    decisions = run / "churn_decisions.csv"
    cmd = [sys.executable, "-c", DRIVER, str(decisions), "--config-name", config, *overrides]
    with open(run / "simulator.log", "w") as log:
        done = subprocess.run(cmd, env=env, cwd=run, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    if done.returncode:
        tail = (run / "simulator.log").read_text().splitlines()[-15:]
        raise RuntimeError(f"the simulator failed ({config}, seed {seed}):\n" + "\n".join(tail))
    conf_file = next(run.glob("*/*_conf.yaml"))
    return {"conf": yaml.safe_load(conf_file.read_text()), "conf_file": conf_file, "decisions": decisions}


def query(con, sql: str) -> pd.DataFrame:
    with con.cursor() as cur:
        cur.execute(sql)
        return pd.DataFrame(cur.fetchall(), columns=[c.name for c in cur.description])


def write_events(con, schema: str, user: str, path: Path) -> bool:
    """The event log, sorted, streamed into Parquet in fixed chunks (zstd, one row group per chunk); whether
    the simulator gave events values."""
    valued = query(con, f"SELECT count(event_value) AS n FROM {schema}.event").n[0] > 0
    fields = [*EVENTS_SCHEMA, ("timestamp", pa.timestamp("us"))] + ([("value", pa.float64())] if valued else [])
    sql = f"""SELECT {user.format(t="e.")}, 'a' || e.account_id, t.event_type_name,
        (extract(epoch FROM e.event_time) * 1000000)::bigint, e.event_value::float8
        FROM {schema}.event e JOIN {schema}.event_type t USING (event_type_id)
        ORDER BY e.account_id, e.user_id, e.event_time, t.event_type_name, e.event_value"""
    with pq.ParquetWriter(path, pa.schema(fields), compression="zstd") as out, con.cursor("events") as cur:
        cur.itersize = CHUNK
        cur.execute(sql)
        while rows := cur.fetchmany(CHUNK):
            cols = list(zip(*rows))
            arrays = [pa.array(cols[i], t) for i, (_, t) in enumerate(EVENTS_SCHEMA)]
            arrays.append(pa.array(cols[3], pa.int64()).cast(pa.timestamp("us")))
            arrays += [pa.array(cols[4], pa.float64())] if valued else []
            out.write_table(pa.Table.from_arrays(arrays, schema=out.schema), row_group_size=CHUNK)
    return valued


def overlapping(subs: pd.DataFrame) -> int:
    """Subscription rows whose [start_date, end_date) meets another row of the same account."""
    s = subs.sort_values(["account_id", "start_date", "end_date"], kind="stable")
    by = s.account_id
    reach_before = s.end_date.groupby(by).cummax().groupby(by).shift()
    next_start = s.start_date[::-1].groupby(by[::-1]).cummin().groupby(by[::-1]).shift()[::-1]
    return int(((s.start_date < reach_before) | (next_start < s.end_date)).sum())


def churn_truth(decisions: Path, subs: pd.DataFrame, accounts: pd.Series) -> pd.DataFrame:
    """Per account: did the simulator churn it, on which month end (its first day without service), mid-term
    or at renewal, and the latest end_date among its subscription rows as written."""
    decided = pd.read_csv(decisions, names=["id", "churn_date", "mid_term"], parse_dates=["churn_date"])
    decided["account_id"] = "a" + decided.id.astype(str)
    last_end = subs.groupby("account_id").end_date.max().rename("last_end_date")
    truth = pd.DataFrame({"account_id": accounts}).merge(decided.drop(columns="id"), how="left", on="account_id")
    truth = truth.merge(last_end, how="left", left_on="account_id", right_index=True)
    truth.insert(1, "churned", truth.churn_date.notna())
    return truth


def monthly_churn(truth: pd.DataFrame, subs: pd.DataFrame, start: date, end: date) -> float:
    """Churned in the month over customers at its start, pooled over the simulated months."""
    began = truth.account_id.map(subs.groupby("account_id").start_date.min())
    left = truth.churn_date
    alive = lost = 0
    for m in pd.date_range(start, end, freq="MS", inclusive="left"):
        at_start = (began <= m) & (left.isna() | (left > m))
        alive += int(at_start.sum())
        lost += int((at_start & (left <= m + pd.DateOffset(months=1))).sum())
    return lost / alive if alive else float("nan")


def months_between(a: date, b: date) -> float:
    return round((b - a).days / 30.44, 1)


def export(
    con, schema: str, sim: dict, out: Path, label: str, months: int | None, init_customers: int | None = None
) -> str:
    """Write the contract's files and truth/ into ``out``; returns the README text."""
    multi = query(con, f"SELECT coalesce(max(user_id), 0) AS m FROM {schema}.event").m[0] > 0
    user = "'u' || {t}account_id" + (" || '-' || {t}user_id" if multi else "")
    valued = write_events(con, schema, user, out / "events.parquet")
    accounts = query(
        con, f"SELECT 'a' || id AS account_id, channel AS segment, country FROM {schema}.account ORDER BY id"
    )
    accounts.to_csv(out / "accounts.csv", index=False)
    users = query(
        con,
        f"""SELECT {user.format(t="")} AS user_id, 'a' || account_id AS account_id FROM (
        SELECT DISTINCT account_id, user_id FROM {schema}.event UNION SELECT id, 0 FROM {schema}.account) u
        ORDER BY u.account_id, u.user_id""",
    )
    users.to_csv(out / "users.csv", index=False)
    subs = query(
        con,
        f"""SELECT 'a' || account_id AS account_id, start_date, end_date, mrr, product, bill_period_months,
        CASE WHEN units = 'users' THEN quantity END AS seats FROM {schema}.subscription
        ORDER BY account_id, start_date, product, end_date, mrr""",
    )
    subs["billing_period"] = subs.pop("bill_period_months").map(PERIODS)
    subs = subs.astype({"start_date": "datetime64[ns]", "end_date": "datetime64[ns]", "seats": "Int64"})
    subs = subs.dropna(axis=1, how="all")  # test's plans have no seats
    subs.to_csv(out / "subscriptions.csv", index=False, date_format=ISO_DAY)

    conf = sim["conf"]
    start, end = date.fromisoformat(conf["start_date"]), date.fromisoformat(conf["end_date"])
    (out / "truth").mkdir()
    truth = churn_truth(sim["decisions"], subs, accounts.account_id)
    truth.to_csv(out / "truth" / "churn.csv", index=False, date_format=ISO_DAY)
    shutil.copyfile(sim["conf_file"], out / "truth" / "simulator_conf.yaml")
    period = period_text(schema, start, end, months)
    said = textwrap.fill(f"Simulated period: {start} to {end}, {period}.", 105)
    size = size_text(schema, init_customers)
    said += f"\n{textwrap.fill(size, 105)}" if size else ""
    (out / "truth" / "README.md").write_text(TRUTH_README.format(period=said))
    config = {
        "name": label,
        "description": f"fightchurn {version('fightchurn')} churnsim, configuration '{conf['model']}' (benchmarks/churnsim.py)",
        "billing": {"end_date": "first_unpaid_day"},
    }
    (out / "dataset.yaml").write_text(yaml.safe_dump(config, sort_keys=False))

    span = pq.read_table(out / "events.parquet", columns=["timestamp"]).column(0)
    first, last = pc.min(span).as_py().date(), pc.max(span).as_py().date()
    full = end - timedelta(days=1)  # the last day every customer was simulated
    # six months of history, then a 30-day outcome window closed (plus the 30 grace days) by as_of
    enough = pd.Timestamp(first) + pd.DateOffset(months=6) + pd.Timedelta(days=60) <= pd.Timestamp(full)
    as_of = full if enough else last
    why = (WHY_FULL if enough else WHY_SHORT).format(
        end=end, last=last, full=full, closed=last - timedelta(days=30), behind=months_between(first, as_of),
        simulated=months_between(start, end),
    )  # fmt: skip
    suggestion = textwrap.fill(f"**Suggested `--as-of {as_of}`**: {why}", 110)
    simulated = textwrap.fill(f"Simulated period: {period}.", 110) + (f"\n\n{textwrap.fill(size, 110)}" if size else "")
    churned = truth[truth.churned]
    return README.format(
        label=label, model=conf["model"], seed=conf["random_seed"], init=conf["init_customers"],
        growth=conf["growth_rate"], start=start, end=end, first=first,
        period=simulated, last=last,
        accounts=len(accounts), users=len(users), users_per=len(users) / len(accounts),
        events=pq.ParquetFile(out / "events.parquet").metadata.num_rows, subs=len(subs), overlap=overlapping(subs),
        churned=len(churned), share=len(churned) / len(accounts), mid_term=int(churned.mid_term.sum()),
        paid_on=int((churned.last_end_date > churned.churn_date).sum()),
        monthly=monthly_churn(truth, subs, start, end), suggestion=suggestion,
        user_map=USER_MULTI if multi else USER_SINGLE, value=VALUED if valued else UNVALUED,
        fightchurn=version("fightchurn"),
    )  # fmt: skip


README = """# {label}

Made by `benchmarks/churnsim.py` with ChurnSim, the churn simulator of *Fighting Churn with Data*
(`fightchurn.churnsim`, fightchurn {fightchurn}), configuration `{model}`, random_seed {seed}, {init} initial
customers growing {growth:.0%} a month, simulated from {start} to {end}. Nothing here was tuned.

{period}

- events: {events:,} from {first} to {last}
- accounts: {accounts:,}; users: {users:,} ({users_per:.1f} per account)
- subscription rows: {subs:,}, of which {overlap:,} overlap another row of the same account
- churned (truth/churn.csv): {churned:,} accounts ({share:.1%}; pooled monthly churn {monthly:.2%}),
  {mid_term:,} of them mid-term; {paid_on:,} still have a subscription row paid past their churn date

{suggestion}

Churn is decided at each customer's monthly anniversary up to {end}; after it, the customers still there are
simulated only up to their next anniversary (the events to {last}), and none churns. To score predictions
made at an as_of against truth/churn.csv, take one at least an outcome window before {end}.

## How the simulator's tables were mapped

- account `id` -> `account_id` "a<id>"; `channel` -> `segment` (the acquisition channel whose behaviour
  distribution the customer was drawn from); `country` kept; `date_of_birth` (customer age) left out.
- {user_map}
- events: `event_type_name` -> `event`, `event_time` -> `timestamp` (naive, taken as UTC as written)
  {value}
- subscriptions: every row as written, overlaps included: `product` (plan or add-on), `mrr` (after the
  customer's discount), `bill_period_months` -> `billing_period`, and `seats` = `quantity` on rows whose
  `units` are users (the plan's user limit, which caps the users active on a day); `units`, `quantity` of
  add-ons and `discount` left out. The simulator writes an end_date on every row: a customer still there at
  the end holds a term ending after {end}, which a run cut before it sees as running. Where a configuration
  has add-ons (crm5), fightchurn 1.2.0 writes a row for each of them in every term, taken or not
  (`Customer.add_subscriptions` gets the configuration's add-on list, not the customer's): those rows overlap
  the plan's, and their MRR counts for every customer.
- `end_date` is the first unpaid day (`billing: {{end_date: first_unpaid_day}}`): a renewal's row starts
  on the previous row's end_date, and a churned customer has no events from its churn date on.
- dataset.yaml names no taxonomy: the simulator gives events no roles (no session event, no feature tiers),
  so every event counts as activity. Its utilities per event, which drive churn, are in
  truth/simulator_conf.yaml, which no notebook reads.
"""
VALUED = "`event_value` -> `value` (the amount the simulator draws for its valued events)"
UNVALUED = "(the simulator gives these events no value)"
USER_SINGLE = 'the simulator gives each customer one user (user 0): `user_id` "u<account id>".'
USER_MULTI = (
    "the simulator numbers each day's users 0..n-1 (n drawn daily around the customer's user count,\n"
    "  capped by the plan), so user k is the account's k-th user, the same index every day: `user_id`\n"
    '  "u<account id>-<k>"; users.csv lists every user seen in events, and user 0 of every account.'
)
WHY_FULL = (
    "the day before the configuration's end_date, the last day every customer was simulated: a month end with "
    "{behind} months of events behind it, enough for closed 30-day outcome windows (plus the 30 grace days) after "
    "six months of history."
)
WHY_SHORT = (
    "the last day with events. The configuration simulates {simulated} months, so no as_of leaves six months of "
    "history, and at {full}, the last day every customer was simulated, the churn model has too little history "
    "to train on (the workbook takes its short-history path: weekly snapshots, 28-day outcome windows). Every "
    "outcome window closed by {last} (plus the 30 grace days) ends by {closed}, before {end}, so the backtests "
    "(notebooks 09-11) judge only churn the simulator decided. Today's picture is not sound there: the simulator "
    "ends each remaining customer's last term on its anniversary in the last month, so by {last} most of them "
    "look lapsed (current scores and action lists, trailing retention)."
)
TRUTH_README = """Never read by notebooks. churn.csv: per account, whether the simulator churned it, churn_date (the
month end it decided to leave on: its first day without service, as a first-unpaid-day end_date), mid_term
(left before its paid term ended, quarterly to annual plans) and last_end_date (the latest end_date among its
subscription rows as written; later than churn_date when a mid-term churn cut only the add-on row the
simulator wrote last). simulator_conf.yaml: the configuration the simulator ran with, seed included.
{period}
"""


def run_one(
    config: str, seed: int, port: int, work: Path, out_dir: Path, init_customers: int | None, months: int | None
) -> None:
    length, size = (f"{months}m" if months else ""), (f"{init_customers}c" if init_customers else "")
    db = "_".join(filter(None, [config, length, size, f"seed{seed}"]))
    t0 = time.monotonic()
    sim = simulate(config, seed, port, db, work, init_customers, months)
    t1 = time.monotonic()
    target = out_dir / "-".join(filter(None, [config, length, size, f"seed{seed}"]))
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        con = connect(port, db)
        label = f"ChurnSim {config}" + (f", {months} months" if months else "") + f", seed {seed}"
        label += f", {init_customers} initial customers" if init_customers else ""
        text = export(con, config, sim, partial, label, months, init_customers)
        con.close()
        admin(port, f"DROP DATABASE {db}")
        (partial / "README.md").write_text(text)
        shutil.rmtree(target, ignore_errors=True)
        partial.rename(target)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    print(text)
    print(f"{target}: simulated in {t1 - t0:.0f} s, exported in {time.monotonic() - t1:.0f} s\n", flush=True)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--configs", nargs="+", choices=CONFIGS, default=list(CONFIGS))
    ap.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3], help="test takes each, crm5 the first")
    ap.add_argument("--out", type=Path, default=Path("data/churnsim"))
    ap.add_argument(
        "--init-customers",
        type=int,
        help="customers at the start (default: the configuration's own: 500, 2,000); the export goes to "
        "OUT/<config>[-<months>m]-<N>c-seed<seed>",
    )
    ap.add_argument(
        "--months",
        type=int,
        help="months to simulate from the configuration's start_date (default: its own period: test 5, crm5 24); "
        "the export goes to OUT/<config>-<months>m-seed<seed>",
    )
    args = ap.parse_args(argv)
    if args.months is not None and args.months < 1:
        ap.error("--months must be at least 1")
    if args.init_customers is not None and args.init_customers < 1:
        ap.error("--init-customers must be at least 1")
    if importlib.util.find_spec("fightchurn") is None or importlib.util.find_spec("psycopg2") is None:
        fail(
            "fightchurn not installed: pip install --no-deps fightchurn==1.2.0 && pip install hydra-core postgres psycopg2-binary"
        )
    postgres_binaries()
    runs = [(c, s) for c in args.configs for s in (args.seeds if c in EVERY_SEED else args.seeds[:1])]
    try:
        with tempfile.TemporaryDirectory(prefix="churnsim-") as tmp, private_postgres(Path(tmp)) as port:
            for config, seed in runs:
                run_one(config, seed, port, Path(tmp), args.out, args.init_customers, args.months)
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("interrupted: the private PostgreSQL cluster was stopped and removed", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    main()
