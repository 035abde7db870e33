"""The output caps and the output cleaning, on notebooks made here (no kernel)."""
import base64
import json

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell

from grader.autograde.outputcap import LimitOutputBytes
from grader.autograde.sanitize import SanitizeOutputs


def size(nb):
    return len(nbformat.writes(nb).encode())


def test_forty_big_pngs_and_many_text_cells_stay_under_the_notebook_cap():
    png = base64.b64encode(b"\x89PNG" + b"\0" * (3 << 20)).decode()  # ~4 MB of base64, under the per-output cap
    cells = [new_code_cell("", outputs=[new_output("display_data", data={"image/png": png, "text/plain": "p"})])
             for _ in range(40)]
    cells += [new_code_cell("", outputs=[new_output("stream", name="stdout", text="y" * 65_000)]) for _ in range(300)]
    cap = LimitOutputBytes(max_output_bytes=5 << 20)
    nb, _ = cap.preprocess(new_notebook(cells=cells), {})
    assert size(nb) < cap.max_notebook_bytes + (1 << 20), size(nb)
    assert "the notebook's outputs are over" in json.dumps(nb)


def test_scripts_svg_and_javascript_are_removed_and_harmless_html_is_kept():
    outs = [new_output("display_data", data={"text/html": '<b>hi</b><script>x()</script><img src=x onerror="y()">',
                                              "text/plain": "h"}),
            new_output("display_data", data={"application/javascript": "x()"}),
            new_output("display_data", data={"image/svg+xml": "<svg><script>x()</script></svg>", "text/plain": "s"}),
            new_output("display_data", data={"image/png": 'AAAA" onerror="x()'}, metadata={"image/png": {"width": "1 onerror=x()"}}),
            new_output("execute_result", data={"text/markdown": '<a href="javascript:x()">a</a>'}, execution_count=1)]
    nb = new_notebook(cells=[new_code_cell("", outputs=outs), new_markdown_cell("<script>x()</script>*fine*"),
                             new_raw_cell('<img src=x onerror="x()">', metadata={"raw_mimetype": "text/html"})])
    nb, _ = SanitizeOutputs().preprocess(nb, {})
    text = json.dumps(nb)
    for bad in ("<script", "onerror", "javascript:", '"application/javascript":', '"image/svg+xml":'):
        assert bad not in text, bad
    assert "<b>hi</b>" in text and "*fine*" in text and "removed: it could run code" in text
