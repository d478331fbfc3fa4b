"""The run folder's human side: each executed notebook as HTML, and index.html to open first."""
from __future__ import annotations

import html
import json
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter


def render(run_dir: Path, skipped: dict[str, str] | None = None) -> None:
    pages = []
    for nb_path in sorted((run_dir / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(nb_path, as_version=4)
        hide = bool(nb.metadata.get("workbook", {}).get("hide_code"))
        body, _ = HTMLExporter(exclude_input=hide, exclude_input_prompt=True, exclude_output_prompt=True).from_notebook_node(nb)
        out = run_dir / "html" / f"{nb_path.stem}.html"
        out.write_text(body, encoding="utf-8")
        pages.append((nb_path.stem, _title(nb), hide))
    # The executive pages (code hidden) lead; the method's notebooks follow in order.
    pages.sort(key=lambda p: (not p[2], p[0]))
    (run_dir / "index.html").write_text(_index(run_dir, pages, skipped or {}), encoding="utf-8")


def _title(nb) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("# "):
            return cell.source.splitlines()[0][2:].strip()
    return "untitled"


def _index(run_dir: Path, pages, skipped: dict[str, str]) -> str:
    params = {}
    contract = run_dir / "artifacts" / "data_contract.json"
    if contract.exists():
        params = json.loads(contract.read_text())
    items = "\n".join(
        f'<li><a href="html/{stem}.html">{html.escape(title)}</a> '
        f'<small>(<a href="notebooks/{stem}.ipynb">notebook</a>)</small></li>' for stem, title, _ in pages)
    if skipped:
        items += "\n" + "\n".join(f"<li><s>{html.escape(Path(nb).stem)}</s> <small>stepped aside: {html.escape(why)}</small></li>"
                                  for nb, why in skipped.items())
    arts = "\n".join(f'<li><a href="artifacts/{p.name}">{p.name}</a></li>'
                     for p in sorted((run_dir / "artifacts").iterdir()))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Customer Health Workbook: {html.escape(str(params.get('as_of', '')))}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;line-height:1.5;padding:0 1rem}}
h1{{margin-bottom:.2rem}} .meta{{color:#555}}</style></head><body>
<h1>Customer Health Workbook</h1>
<p class="meta">{html.escape(str(params.get('dataset', '')))} &middot; as of {html.escape(str(params.get('as_of', '')))}</p>
<h2>Pages</h2><ol>
{items}
</ol>
<h2>Artifacts</h2><ul>
{arts}
</ul>
<p class="meta">Parameters, versions, input fingerprints and timings: <a href="run.json">run.json</a></p>
</body></html>
"""
