"""A feedback page in Chromium, offline: MathJax typesets from the copy next to the feedback; no inline script runs."""
import shutil
import subprocess


from grader.autograde.sanitize import add_csp
from grader.course.report import offline_maths

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PAGE = """<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8" />
<script src="https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.7/latest.js?config=TeX-AMS_CHTML-full,Safe"> </script>
<script type="text/x-mathjax-config">
init_mathjax = function() { MathJax.Hub.Queue(["Typeset", MathJax.Hub]); }
init_mathjax();
</script>
</head>
<body><p>Inline $x^2 + y^2$ and display $$\\sum_i a_i$$</p>
<script>document.title = "an-inline-script-ran"</script></body>
</html>
"""


def test_feedback_maths_render_offline_and_inline_scripts_do_not_run(tmp_path):
    assert CHROMIUM is not None, "no chromium on PATH: scripts/test installs Debian's chromium"
    feedback = tmp_path / "feedback"
    page = feedback / "ada" / "02_relu_orthants" / "02_relu_orthants.html"
    page.parent.mkdir(parents=True)
    page.write_text(PAGE)
    offline_maths(page, feedback)
    add_csp(page)
    html = page.read_text()
    assert "cdnjs" not in html and "../../mathjax/MathJax.js" in html
    dom = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path / 'p'}",
                          "--virtual-time-budget=8000", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    assert 'class="MathJax_Display"' in dom and dom.count('class="MathJax"') == 2, dom[-2000:]
    assert "<title>an-inline-script-ran" not in dom
