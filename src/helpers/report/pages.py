"""The run folder's human side: each executed notebook as HTML, the CSM page, and index.html.

index.html is the report's front page (``front``), rendered from notebook 13's artifacts, with
the CSM page beside it (``csm_page``). Without notebook 13 (a flat run: it needs the dataset),
it opens on a page built from the health score (09) and the churn model's validation (11).
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import nbformat
import pandas as pd
from nbconvert import HTMLExporter

from helpers import artifacts
from helpers.report import csm_page, front

STYLE = """body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;line-height:1.5;padding:0 1rem}
h1{margin-bottom:.2rem} .meta{color:#555} table{border-collapse:collapse;font-size:.85rem;margin-bottom:1.5rem}
th,td{border-bottom:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
@media print{section{break-inside:avoid-page} nav{display:none}}"""
NAV_STYLE = (
    "font-family:system-ui,sans-serif;background:#f3f4f6;padding:.6rem 1rem;border-bottom:1px solid #ccc;"
    "position:sticky;top:0;z-index:10"
)


def render(
    run_dir: Path, skipped: dict[str, str] | None = None, about: dict | None = None, pages: list[dict] | None = None
) -> None:
    """The run's pages. ``about`` (source, as_of) heads the contents and the front page; without it they
    read the data contract's. With notebook 13's page facts, index.html is the report's front page and
    html/csm_actions.html the CSM page (``front``, ``csm_page``). ``pages``: every executed notebook's
    ``notebook_page``, when already made (the runner makes each as the next notebook runs)."""
    if pages is None:
        pages = [notebook_page(run_dir, nb) for nb in sorted((run_dir / "notebooks").glob("*.ipynb"))]
    pages = list(pages)
    # The executive pages (code hidden) lead; the method's notebooks follow in order.
    pages.sort(key=lambda p: (not p["executive"], p["stem"]))
    facts = front.facts(run_dir)
    if facts is not None:
        (run_dir / "html" / "csm_actions.html").write_text(csm_page.page(run_dir, facts), encoding="utf-8")
    about = about or _about(run_dir)
    contents = _contents(run_dir, pages, skipped or {}, facts is not None, about)
    (run_dir / "contents.html").write_text(contents, encoding="utf-8")
    index = (
        front.page(run_dir, facts, skipped) if facts is not None else _front_page(run_dir, pages, skipped or {}, about)
    )
    (run_dir / "index.html").write_text(index, encoding="utf-8")


def _about(run_dir: Path) -> dict:
    contract = artifacts.path(run_dir, "data_contract.json")
    params = json.loads(contract.read_text()) if contract.exists() else {}
    return {"source": params.get("dataset", ""), "as_of": params.get("as_of", "")}


def _front_page(run_dir: Path, pages, skipped: dict[str, str], about: dict) -> str:
    """index.html without an executive summary: the health tiers (09) and the churn model's verdict (11),
    linking to their pages, then what stepped aside and why."""
    links = [f'<a href="html/{p["stem"]}.html">{html.escape(p["title"])}</a>' for p in pages]
    links += ['<a href="contents.html">All notebooks and artifacts</a>', '<a href="run.json">run.json</a>']
    nav = f'<nav style="{NAV_STYLE}"><strong>Report</strong> &middot; ' + " &middot; ".join(links) + "</nav>"
    stems = {p["stem"][:2]: p["stem"] for p in pages}
    sections = [_health_section(run_dir, stems.get("09")), _validation_section(run_dir, stems.get("11"))]
    aside = "".join(f"<li>{html.escape(Path(nb).stem)}: {html.escape(why)}</li>" for nb, why in sorted(skipped.items()))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Customer Health Workbook: {html.escape(about["source"])}</title>
<style>{STYLE}</style></head><body>{nav}
<h1>Customer Health Workbook</h1>
<p class="meta">{html.escape(about["source"])} &middot; {html.escape(_as_of_words(about["as_of"]))}</p>
{"".join(s for s in sections if s) or "<p>No notebook of this run scored accounts.</p>"}
{f"<section><h2>Stepped aside</h2><ul>{aside}</ul></section>" if aside else ""}
</body></html>
"""


def _as_of_words(as_of: str) -> str:
    return as_of if not as_of or not as_of[:1].isdigit() else f"as of {as_of}"


def _health_section(run_dir: Path, stem: str | None) -> str:
    health = artifacts.optional(run_dir, "account_health.csv")
    if health is None or stem is None:
        return ""
    tiers = health.groupby("tier").health_score.agg(["size", "mean"]).sort_values("mean", ascending=False)
    table = pd.DataFrame(
        {
            "health tier": tiers.index,
            "accounts": tiers["size"].to_numpy(),
            "share": [f"{100 * n / len(health):.0f} %" for n in tiers["size"]],
            "average health": tiers["mean"].round(1).to_numpy(),
        }
    )
    return (
        f"<section><h2>Health</h2><p>{len(health):,} account(s) scored, average health "
        f"{health.health_score.mean():.1f}. Scores, tiers, drivers and actions: "
        f'<a href="html/{stem}.html">the health score</a> '
        f'(<a href="artifacts/account_health.csv">account_health.csv</a>).</p>'
        f"{table.to_html(index=False, border=0)}</section>"
    )


def _validation_section(run_dir: Path, stem: str | None) -> str:
    where = artifacts.path(run_dir, "validation.json")
    if not where.exists() or stem is None:
        return ""
    v = json.loads(where.read_text())
    judged = str(v.get("evaluation", "")).replace("_", " ")
    figures = pd.DataFrame(
        [
            ("AUC-ROC", f"{v['auc_roc']:.3f}"),
            ("PR-AUC", f"{v['pr_auc']:.3f}"),
            ("top-decile lift", f"{v['lift_top_decile']:.1f}x"),
            ("mean calibration error", f"{v['calibration_error']:.1f} points"),
            ("predictions judged (churned)", f"{v['n']:,} ({v['positives']:,})"),
        ],
        columns=["figure", "value"],
    )
    advice = "".join(f"<li>{html.escape(r)}</li>" for r in v.get("recommendations", []))
    return (
        f"<section><h2>Churn model</h2><p>Model {html.escape(str(v.get('model', '')))}, judged by {judged} on "
        f'predictions it never learned from: <a href="html/{stem}.html">the validation report</a> '
        f'(<a href="artifacts/validation.json">validation.json</a>).</p>'
        f"{figures.to_html(index=False, border=0)}<ul>{advice}</ul></section>"
    )


def notebook_page(run_dir: Path, nb_path: Path) -> dict:
    """An executed notebook as ``html/<stem>.html``; returns what the contents and front page need of it."""
    nb = nbformat.read(nb_path, as_version=4)
    hide = bool(nb.metadata.get("workbook", {}).get("hide_code"))
    exporter = HTMLExporter(exclude_input=hide, exclude_input_prompt=True, exclude_output_prompt=True)
    if hide:
        exporter.exclude_output_stdin = True
    body, _ = exporter.from_notebook_node(_without_warnings(nb) if hide else nb)
    (run_dir / "html" / f"{nb_path.stem}.html").write_text(body, encoding="utf-8")
    return {"stem": nb_path.stem, "title": _title(nb), "executive": hide, "body": body}


def _without_warnings(nb):
    """An executive page shows results, not library warnings printed to stderr."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [
                o for o in cell.outputs if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
    return nb


def _title(nb) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("# "):
            return cell.source.splitlines()[0][2:].strip()
    return "untitled"


def _contents(run_dir: Path, pages, skipped: dict[str, str], has_actions: bool, about: dict) -> str:
    items = [
        f'<li><a href="html/{p["stem"]}.html">{html.escape(p["title"])}</a> '
        f'<small>(<a href="notebooks/{p["stem"]}.ipynb">notebook</a>)</small></li>'
        for p in pages
    ]
    if has_actions:
        first_method = sum(p["executive"] for p in pages)
        items.insert(
            first_method,
            '<li><a href="html/csm_actions.html">CSM action lists</a> '
            '<small>(<a href="artifacts/csm_actions.csv">CSV</a>)</small></li>',
        )
    items += [
        f"<li><s>{html.escape(Path(nb).stem)}</s> <small>stepped aside: {html.escape(why)}</small></li>"
        for nb, why in skipped.items()
    ]
    arts = "\n".join(
        f'<li><a href="artifacts/{p.name}">{p.name}</a></li>' for p in sorted((run_dir / "artifacts").iterdir())
    )
    nl = "\n"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Customer Health Workbook: {html.escape(about["as_of"])}</title>
<style>{STYLE}</style></head><body>
<h1>Customer Health Workbook</h1>
<p class="meta">{html.escape(about["source"])} &middot; {html.escape(_as_of_words(about["as_of"]))}</p>
<h2>Pages</h2><ol>
{nl.join(items)}
</ol>
<h2>Artifacts</h2><ul>
{arts}
</ul>
<p class="meta">Parameters, versions, input fingerprints and timings: <a href="run.json">run.json</a></p>
</body></html>
"""


def broken_links(run_dir: Path) -> list[str]:
    """Every href and src in the report's pages that does not resolve: a missing file, or an image that is not
    a decodable embedded picture. Empty when the report is whole."""
    import base64

    problems = []
    for page in [run_dir / "index.html", run_dir / "contents.html", *sorted((run_dir / "html").glob("*.html"))]:
        if not page.exists():
            problems.append(f"{page.relative_to(run_dir)}: missing")
            continue
        text = page.read_text(encoding="utf-8")
        for kind, target in re.findall(r'(href|src)="([^"#]+)', text):
            if target.startswith("data:image/"):
                try:
                    if len(base64.b64decode(target.split(",", 1)[1], validate=True)) < 100:
                        problems.append(f"{page.name}: an empty embedded image")
                except ValueError:
                    problems.append(f"{page.name}: an embedded image that does not decode")
            elif not re.match(r"^[a-z]+:", target) and not (page.parent / target).exists():
                problems.append(f"{page.relative_to(run_dir)}: {kind} {target} does not exist")
    return problems
