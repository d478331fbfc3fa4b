"""Product specifications for the synthetic generator.

A product is its event taxonomy plus how each event responds to a user's latent
expertise (``skill_beta``: how much more often an expert does it) and how common
it is (``base``: log-weight at average skill). Events with beta near 0 carry no
information about expertise; negative beta marks beginner behaviour (help pages).
``churn_beta`` plants churn in the event mix instead (``LEDGER``): how much more often a user
does it per unit of their account's churn risk (positive: a bad sign; negative: a good one).
The same spec writes the product's ``dataset.yaml``, so the generator and the
contract never disagree about the taxonomy.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class EventType:
    name: str
    base: float
    skill_beta: float
    groups: tuple[str, ...] = ()  # core / expansion / advanced / asset / collaboration / passive
    churn_beta: float = 0.0  # log-rate per unit of the account's churn risk (activity.churn_risk)


@dataclass(frozen=True)
class Product:
    key: str
    title: str
    session_event: str  # one per active day, before the day's other events
    events: tuple[EventType, ...]
    role_weights: dict[str, float]
    # How much a user's skill drives how often they show up and how much they do per day
    # (activity.py); a product everyone opens daily tells skill by its event mix alone.
    active_skill: float = 0.9
    intensity_skill: float = 0.35
    # How much the account's latent health and pre-churn decline show in its active users,
    # sessions, actions, seats, champions, tickets, NPS, meetings and CSM ratings (accounts.Accounts.seen);
    # 0 leaves them only in churn and in the events with a churn_beta.
    health_coupling: float = 1.0
    # One renewal log-odds and health level for every segment, so account size tells nothing
    # of churn (None: each segment's own, accounts.SEGMENT_SPECS).
    churn_logit: float | None = None
    # Their column names -> ours, per table; the generator writes *their* names.
    renames: dict[str, dict[str, str]] = field(default_factory=dict)
    table_files: dict[str, str] = field(default_factory=dict)

    def group(self, name: str) -> list[str]:
        return [e.name for e in self.events if name in e.groups]

    def churn_signs(self) -> dict[str, float]:
        """Event name -> churn_beta, for the events planted as good (< 0) or bad (> 0) signs."""
        return {e.name: e.churn_beta for e in self.events if e.churn_beta}

    def active_events(self) -> list[str]:
        return [e.name for e in self.events if "passive" not in e.groups]

    def with_signal(self, n: int | None) -> Product:
        """The product with only its ``n`` most skill-telling event types (largest |skill_beta|,
        ties in the taxonomy's order) still telling skill; the others become blind to it."""
        if n is None:
            return self
        telling = sorted((e for e in self.events if e.skill_beta), key=lambda e: -abs(e.skill_beta))
        keep = {e.name for e in telling[:n]}
        events = tuple(e if e.name in keep else replace(e, skill_beta=0.0) for e in self.events)
        return replace(self, events=events)


def _e(name, base, beta, *groups):
    return EventType(name, base, beta, tuple(groups))


def _sign(name, base, churn_beta):
    """An ungrouped event blind to skill whose rate follows the account's churn risk."""
    return EventType(name, base, 0.0, (), churn_beta)


# How much each role's expertise moves its account (the same in both products).
ROLE_WEIGHTS = {
    "executive": 1.5,
    "admin": 1.3,
    "manager": 1.3,
    "analyst": 1.0,
    "member": 1.0,
    "viewer": 0.7,
    "intern": 0.5,
}

BEACON = Product(
    key="beacon",
    title="Beacon Analytics (synthetic B2B BI product)",
    session_event="login",
    events=(
        _e("login", -9.0, 0.0, "passive"),  # emitted per session, not drawn from the mix
        _e("view_dashboard", 2.0, 0.0, "core"),
        _e("run_query", 1.3, 0.3, "core"),
        _e("create_report", 0.6, 0.5, "core", "asset"),
        _e("edit_report", 0.8, 0.4, "core"),
        _e("export_csv", 0.5, 0.2, "core"),
        _e("create_dashboard", 0.0, 0.8, "expansion", "asset"),
        _e("schedule_report", -0.3, 0.9, "expansion"),
        _e("create_alert", -0.4, 0.9, "expansion", "asset"),
        _e("add_data_source", -1.2, 0.7, "expansion"),
        _e("share_dashboard", -0.2, 0.8, "expansion", "collaboration"),
        _e("comment", -0.1, 0.5, "collaboration"),
        _e("invite_user", -1.5, 0.4, "collaboration"),
        _e("call_api", -1.6, 1.6, "advanced"),
        _e("build_sql_model", -1.5, 1.5, "advanced", "asset"),
        _e("create_custom_metric", -1.4, 1.4, "advanced", "asset"),
        _e("write_script", -1.8, 1.6, "advanced"),
        _e("configure_permissions", -2.0, 1.0, "advanced"),
        _e("search", 0.3, 0.0),
        _e("view_notification", 0.5, 0.0, "passive"),
        _e("update_profile", -1.5, 0.0, "passive"),
        _e("open_help_center", -0.8, -0.8),
        _e("view_billing", -2.5, 0.0, "passive"),
    ),
    role_weights=ROLE_WEIGHTS,
)

# A second product, with other event names and the customer's own column names,
# proves the workbook is product-agnostic: only its dataset.yaml differs.
QUILL = Product(
    key="quill",
    title="Quill Docs (synthetic document-collaboration product)",
    session_event="sign_in",
    events=(
        _e("sign_in", -9.0, 0.0, "passive"),
        _e("open_doc", 2.1, 0.0, "core"),
        _e("edit_doc", 1.4, 0.3, "core"),
        _e("create_doc", 0.7, 0.5, "core", "asset"),
        _e("upload_file", 0.3, 0.2, "core"),
        _e("comment_doc", 0.2, 0.5, "collaboration"),
        _e("share_doc", -0.2, 0.8, "expansion", "collaboration"),
        _e("invite_member", -1.4, 0.4, "collaboration"),
        _e("create_template", -0.6, 0.9, "expansion", "asset"),
        _e("use_template", 0.0, 0.6, "expansion"),
        _e("compare_versions", -0.8, 0.8, "expansion"),
        _e("approve_doc", -0.9, 0.7, "expansion"),
        _e("build_workflow", -1.6, 1.5, "advanced", "asset"),
        _e("run_automation", -1.4, 1.6, "advanced"),
        _e("api_request", -1.8, 1.6, "advanced"),
        _e("manage_workspace", -2.0, 1.1, "advanced"),
        _e("export_pdf", 0.2, 0.1),
        _e("search_library", 0.4, 0.0),
        _e("view_inbox", 0.6, 0.0, "passive"),
        _e("edit_profile", -1.6, 0.0, "passive"),
        _e("read_help_article", -0.7, -0.9),
        _e("view_invoice", -2.6, 0.0, "passive"),
    ),
    role_weights=ROLE_WEIGHTS,
    renames={
        "users": {"member_id": "user_id", "org_id": "account_id", "title": "role", "joined": "created_at"},
        "events": {"member_id": "user_id", "org_id": "account_id", "action": "event", "occurred_at": "timestamp"},
        "accounts": {"org_id": "account_id", "tier": "segment", "owner": "csm"},
        "subscriptions": {
            "org_id": "account_id",
            "period_start": "start_date",
            "period_end": "end_date",
            "monthly_fee": "mrr",
            "licenses": "seats",
        },
        "csm_labels": {"member_id": "user_id", "judgement": "label"},
        "tickets": {"org_id": "account_id", "created": "opened_at", "resolved": "closed_at"},
        "nps": {"org_id": "account_id", "member_id": "user_id", "submitted": "responded_at", "rating": "score"},
        "touchpoints": {"org_id": "account_id", "meeting_date": "date", "meeting_type": "kind", "outcome": "status"},
        "assessments": {"org_id": "account_id", "assessed_on": "assessed_at"},
    },
    table_files={"events": "activity_log.parquet", "users": "members.csv", "accounts": "orgs.csv"},
)

# A third, design-collaboration product: another taxonomy and other column names again, and a
# weaker skill signal: designers of every level open it daily, so skill shows mostly in the event
# mix, spread over many mid-strength events (no single advanced feature gives experts away).
PALETTE = Product(
    key="palette",
    title="Palette Studio (synthetic design-collaboration product)",
    session_event="open_app",
    events=(
        _e("open_app", -9.0, 0.0, "passive"),
        _e("view_file", 2.0, 0.0, "core"),
        _e("edit_canvas", 1.5, 0.21, "core"),
        _e("create_file", 0.5, 0.28, "core", "asset"),
        _e("add_comment", 0.4, 0.21, "collaboration"),
        _e("resolve_comment", -0.3, 0.35, "collaboration"),
        _e("share_file", -0.3, 0.42, "expansion", "collaboration"),
        _e("invite_guest", -1.5, 0.21, "collaboration"),
        _e("create_component", -0.5, 0.7, "expansion", "asset"),
        _e("use_component", 0.2, 0.49, "expansion"),
        _e("build_prototype", -0.6, 0.63, "expansion", "asset"),
        _e("set_auto_layout", -0.8, 0.77, "advanced"),
        _e("define_variables", -1.3, 0.84, "advanced"),
        _e("publish_library", -1.7, 0.77, "advanced", "asset"),
        _e("dev_handoff", -1.0, 0.56, "advanced"),
        _e("run_plugin", -0.7, 0.42),
        _e("export_asset", 0.3, 0.07),
        _e("search_assets", 0.3, 0.0),
        _e("view_activity", 0.5, 0.0, "passive"),
        _e("change_avatar", -1.7, 0.0, "passive"),
        _e("watch_tutorial", -0.6, -0.63),
        _e("view_plan", -2.6, 0.0, "passive"),
    ),
    role_weights=ROLE_WEIGHTS,
    active_skill=0.35,
    intensity_skill=0.12,
    renames={
        "users": {"designer_id": "user_id", "team_id": "account_id", "job_title": "role", "added_on": "created_at"},
        "events": {"designer_id": "user_id", "team_id": "account_id", "verb": "event", "ts": "timestamp"},
        "accounts": {"team_id": "account_id", "csm_owner": "csm"},
        "subscriptions": {"team_id": "account_id", "mrr_usd": "mrr", "editor_seats": "seats"},
        "csm_labels": {"designer_id": "user_id", "csm_call": "label"},
        "tickets": {"team_id": "account_id"},
        "nps": {"team_id": "account_id", "designer_id": "user_id"},
        "touchpoints": {"team_id": "account_id"},
        "assessments": {"team_id": "account_id"},
    },
    table_files={"events": "design_events.parquet", "users": "designers.csv", "accounts": "teams.csv"},
)

# A fourth, bookkeeping product whose churn hides where a health score does not look: latent health
# (the account's fit) drives churn and the mix of six ungrouped event types, three bad signs and
# three good, and nothing else. Churners use it as much as stayers (same users, sessions, actions,
# seats, tickets, NPS); they export everything, remove users and look at downgrading more, and
# reconcile, connect bank feeds and close periods less, the more so in their last months.
LEDGER = Product(
    key="ledger",
    title="Ledger Books (synthetic bookkeeping product)",
    session_event="log_in",
    events=(
        _e("log_in", -9.0, 0.0, "passive"),
        _e("view_ledger", 2.0, 0.0, "core"),
        _e("post_entry", 1.4, 0.3, "core"),
        _e("create_invoice", 0.7, 0.5, "core", "asset"),
        _e("record_payment", 0.6, 0.3, "core"),
        _e("upload_receipt", 0.3, 0.2, "core"),
        _e("run_report", 0.0, 0.7, "expansion", "asset"),
        _e("set_budget", -0.4, 0.8, "expansion", "asset"),
        _e("schedule_payment", -0.3, 0.8, "expansion"),
        _e("approve_expense", -0.5, 0.6, "expansion", "collaboration"),
        _e("comment_entry", -0.2, 0.4, "collaboration"),
        _e("invite_user", -1.5, 0.4, "collaboration"),
        _e("build_rule", -1.5, 1.5, "advanced", "asset"),
        _e("sync_api", -1.7, 1.6, "advanced"),
        _e("consolidate_entities", -1.8, 1.4, "advanced"),
        _e("configure_tax", -2.0, 1.0, "advanced"),
        _sign("reconcile_account", 0.0, -0.6),
        _sign("connect_bank_feed", -1.2, -0.5),
        _sign("close_period", -1.0, -0.6),
        _sign("export_all_data", -2.0, 1.0),
        _sign("remove_user", -2.1, 0.9),
        _sign("view_downgrade", -2.3, 1.0),
        _e("search", 0.3, 0.0),
        _e("view_notification", 0.5, 0.0, "passive"),
        _e("update_profile", -1.5, 0.0, "passive"),
        _e("open_help_center", -0.8, -0.8),
        _e("view_billing", -2.5, 0.0, "passive"),
    ),
    role_weights=ROLE_WEIGHTS,
    health_coupling=0.0,
    churn_logit=-2.2,
)

PRODUCTS = {p.key: p for p in (BEACON, QUILL, PALETTE, LEDGER)}
