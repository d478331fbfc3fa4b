"""The generator is deterministic and its planted structure is real."""

import filecmp
import hashlib
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from helpers.data.contract import load_dataset
from helpers.synth import Difficulty, generate
from helpers.synth.planted import churn_in_event_mix, planted_summary
from helpers.synth.products import PRODUCTS


def test_same_seed_gives_byte_identical_files(tmp_path):
    a = generate(tmp_path / "a", "tiny", seed=7, progress=False)
    b = generate(tmp_path / "b", "tiny", seed=7, progress=False)
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert len(files) >= 14
    _, mismatch, errors = filecmp.cmpfiles(a, b, [str(f) for f in files], shallow=False)
    assert mismatch == [] and errors == []
    c = generate(tmp_path / "c", "tiny", seed=8, progress=False)
    assert (a / "events.parquet").read_bytes() != (c / "events.parquet").read_bytes()


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("s") / "sample", "sample", seed=42, progress=False)


def test_sample_size_and_shape(sample):
    ds = load_dataset(sample, "2026-10-31")
    assert 400 <= len(ds.tables["accounts"]) <= 600
    assert 3000 <= len(ds.tables["users"]) <= 9000
    assert 1_000_000 <= ds.events.n_rows <= 5_000_000
    assert len(ds.events.event_counts) >= 20
    assert set(ds.tables["accounts"].segment) == {"Enterprise", "Mid-Market", "SMB", "Startup"}
    starts = ds.tables["accounts"].contract_start
    assert (starts.max() - starts.min()).days >= 24 * 30  # signup cohorts over at least two years


def test_planted_structure(sample):
    s = planted_summary(sample)
    churn = s["churn_by_segment"]
    # Smaller customers churn more, as in any B2B book.
    assert churn["Startup"] > churn["SMB"] > churn["Mid-Market"] > churn["Enterprise"]
    assert 0.15 <= s["expert_share"] <= 0.30
    assert 0.85 <= s["label_accuracy"] <= 0.95  # CSMs are wrong about one time in ten
    assert s["labelled_share"] <= 0.15  # a minority of users
    decline = s["activity_before_churn"].set_index("months_before").events_per_account
    assert decline[0] < 0.5 * decline[5]  # churners fade in their last months
    assert decline[2] < decline[5]  # ... starting 60-120 days out
    assert s["mistaken_labels_in_visible_roles"] > 0.5


def test_second_product_uses_its_own_names(tmp_path):
    out = generate(tmp_path / "q", "tiny", seed=3, product="quill", progress=False)
    users = pd.read_csv(out / "members.csv", nrows=2)
    assert {"member_id", "org_id", "title", "joined"} <= set(users.columns)
    cols = [r[0] for r in duckdb.sql(f"DESCRIBE SELECT * FROM '{out}/activity_log.parquet'").fetchall()]
    assert cols == ["member_id", "org_id", "action", "occurred_at"]
    ds = load_dataset(out, "2026-10-31")  # its dataset.yaml maps everything onto the contract
    assert "sign_in" in ds.events.event_counts and "login" not in ds.events.event_counts
    assert ds.connect().execute("SELECT count(DISTINCT account_id) FROM events").fetchone()[0] > 10


def test_difficulty_knobs_move_what_they_name(tmp_path):
    """Noise, prevalence and signal are the generator's knobs (synth.difficulty); the default changes
    nothing. The third product writes its own names."""
    hard = Difficulty(label_noise=0.25, expert_share=0.35, signal_events=3)
    out = generate(tmp_path / "hard", "tiny", seed=7, difficulty=hard, progress=False)
    s = planted_summary(out)
    assert 0.65 <= s["label_accuracy"] <= 0.85 and 0.28 <= s["expert_share"] <= 0.42
    assert "25% wrong labels" in (out / "dataset.yaml").read_text()
    out = generate(tmp_path / "palette", "tiny", seed=7, product="palette", progress=False)
    assert {"designer_id", "team_id", "job_title"} <= set(pd.read_csv(out / "designers.csv", nrows=2).columns)
    events = duckdb.sql(f"SELECT DISTINCT verb FROM '{out}/design_events.parquet'").df().verb
    assert "open_app" in set(events) and "login" not in set(events)
    blind = PRODUCTS["palette"].with_signal(3)
    assert sum(e.skill_beta != 0 for e in blind.events) == 3
    assert PRODUCTS["beacon"].with_signal(None) is PRODUCTS["beacon"] and Difficulty().describe() == ""
    with pytest.raises(ValueError, match=r"label_noise 0\.6"):
        Difficulty(label_noise=0.6)


# Content fingerprints of `tiny`, seed 42, as generated before the ledger product's knobs were added: the
# knobs at their defaults must leave every other product's data as it was. Update only for a change to
# the generator meant to change these datasets.
TINY_FINGERPRINTS = {"beacon": "6e02d9426d46ac9e", "quill": "89a7dbeba7c53647", "palette": "91f17c64346002cf"}


def _fingerprint(folder: Path) -> str:
    """Every file's bytes, the Parquet event log's values (not its writer's metadata)."""
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*.*")):
        h.update(str(p.relative_to(folder)).encode())
        if p.suffix == ".parquet":
            h.update(pd.util.hash_pandas_object(pd.read_parquet(p), index=False).to_numpy().tobytes())
        else:
            h.update(p.read_bytes())
    return h.hexdigest()[:16]


@pytest.mark.parametrize("product", sorted(TINY_FINGERPRINTS))
def test_products_without_planted_event_signs_are_unchanged(tmp_path, product):
    out = generate(tmp_path / product, "tiny", seed=42, product=product, progress=False)
    assert not (out / "truth" / "signal_events.csv").exists()
    assert _fingerprint(out) == TINY_FINGERPRINTS[product]


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("l") / "ledger", "sample", seed=42, product="ledger", progress=False)


@pytest.mark.slow  # a generated dataset (conftest.DATASET_FIXTURES marks the named fixtures alone)
def test_ledger_hides_churn_in_the_event_mix(ledger):
    """Churners do more of the bad signs and less of the good ones in the 28 days before a month end;
    their active users, sessions and active events are like anyone's, and latent health never reaches NPS."""
    s = churn_in_event_mix(ledger)
    assert s["churned"] >= 100  # enough churned account-snapshots for notebooks 10-11
    assert s["bad_share"] > 0.65 and s["good_share_reversed"] > 0.65, s
    for volume in ("active_users", "sessions", "active_events"):
        assert abs(s[volume] - 0.5) < 0.08, (volume, s)
    signs = pd.read_csv(ledger / "truth" / "signal_events.csv")
    assert signs.planted_as.value_counts().to_dict() == {"good_sign": 3, "bad_sign": 3}
    truth = pd.read_csv(ledger / "truth" / "accounts.csv")
    nps = pd.read_csv(ledger / "nps.csv").groupby("account_id").score.mean()
    assert abs(truth.set_index("account_id").mean_latent_health.corr(nps)) < 0.1
    churned = truth.churn_date.notna().groupby(truth.segment).mean()
    assert churned.between(0.1, 0.35).all(), churned  # every segment alike: size tells nothing
