"""Make what a student's notebook shows safe to open: no script of theirs runs in a teacher's or learner's browser.

Graded notebooks are opened in the formgrader (in the instructor's session)
and turned into feedback HTML. ``SanitizeOutputs`` keeps, of every output of
a code cell, only types that cannot run code: text, and HTML and markdown
cleaned by ``nh3`` (the Rust ``ammonia`` sanitiser: no ``<script>``, no
event handlers, no ``javascript:`` links, no ``<style>``, no ``<iframe>``);
images only as valid base64 PNG, JPEG or GIF with numeric sizes. JavaScript,
SVG, LaTeX, widgets and every other type are dropped (a note in text says
so). Markdown and raw cells are cleaned the same way. ``CSP`` is the
Content-Security-Policy written into every feedback page: no inline script,
nothing loaded from another site; only the page's own files (the MathJax
copied next to the feedback, see ``grader.course.report``) may run.
"""
import base64
import binascii
import re

import nh3
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool

IMAGES = ("image/png", "image/jpeg", "image/gif")
CLEANED = ("text/html", "text/markdown")
_SIZE = re.compile(r"^\d{1,5}$")
CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src 'self' file: data:; "
       "script-src 'self' file:; connect-src 'self' file:; object-src 'none'; base-uri 'none'; form-action 'none'; "
       "frame-src 'none'")  # scripts: only files next to the page (the offline MathJax); no inline script runs
META = f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'


def clean_html(text):
    """HTML with nothing that can run or load: nh3's defaults, and no URLs but relative and data-free ones."""
    return nh3.clean(text, url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow")


def _base64(value):
    text = "".join(value) if isinstance(value, list) else value
    if not isinstance(text, str):
        return None
    try:
        base64.b64decode(text.replace("\n", ""), validate=True)
    except (binascii.Error, ValueError):
        return None
    return text


def _text(value):
    return "".join(value) if isinstance(value, list) else value if isinstance(value, str) else None


def clean_output(out):
    """`out` (a display_data or execute_result output) with only safe data; returns (output, [dropped types])."""
    data, kept, dropped = out.get("data", {}), {}, []
    for kind, value in data.items():
        if kind == "text/plain" and _text(value) is not None:
            kept[kind] = _text(value)
        elif kind in CLEANED and _text(value) is not None:
            kept[kind] = clean_html(_text(value))
        elif kind in IMAGES and _base64(value) is not None:
            kept[kind] = _base64(value)
        else:
            dropped.append(kind)
    if dropped and "text/plain" not in kept:
        kept["text/plain"] = f"[output of type {', '.join(sorted(dropped))[:200]} removed: it could run code]"
    meta = {}
    for kind, value in (out.get("metadata") or {}).items():  # nbconvert writes image sizes unquoted into <img>
        if kind in IMAGES and isinstance(value, dict):
            sizes = {k: v for k, v in value.items() if k in ("width", "height") and _SIZE.match(str(v))}
            if sizes:
                meta[kind] = sizes
    out["data"], out["metadata"] = kept, meta
    return out, dropped


class SanitizeOutputs(NbGraderPreprocessor):
    """Clean every output, markdown cell and raw cell of the graded notebook (see the module's docstring)."""

    enabled = Bool(True, help="clean outputs, markdown and raw cells of graded notebooks").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "markdown" or cell.cell_type == "raw":
            if "<" in cell.source:
                cell.source = clean_html(cell.source)
            return cell, resources
        for out in cell.get("outputs", []):
            if out.get("output_type") in ("display_data", "execute_result"):
                clean_output(out)
        return cell, resources


def add_csp(path):
    """Put the Content-Security-Policy into a feedback HTML file, first thing in its head."""
    with open(path, encoding="utf-8") as f:
        html = f.read()
    if META in html:
        return
    head = re.search(r"<head[^>]*>", html, re.I)
    at = head.end() if head else 0
    with open(path, "w", encoding="utf-8") as f:
        f.write(html[:at] + "\n" + META + "\n" + html[at:])
