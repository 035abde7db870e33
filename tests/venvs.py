"""Virtual environments made the way users make them, from whatever interpreter runs the tests."""
import os
import site
import subprocess
import sys
import sysconfig
from pathlib import Path


def site_dirs():
    """The folders this interpreter imports third-party packages from (system, venv, --system-site-packages, conda)."""
    stdlib = {os.path.realpath(sysconfig.get_path(k)) for k in ("stdlib", "platstdlib")}
    found = list(site.getsitepackages()) + [site.getusersitepackages()]
    found += [p for p in sys.path if p.endswith(("site-packages", "dist-packages"))]
    out = []
    for p in found:
        real = os.path.realpath(p)
        if os.path.isdir(real) and real not in stdlib and real not in out:
            out.append(real)
    return out


def make_venv(folder, borrow=True):
    """A new venv at `folder` (returns its python). With `borrow`, it imports this interpreter's packages.

    `--system-site-packages` is not enough: from inside a venv it exposes
    the *base* interpreter's packages, not this one's. A .pth file listing
    this interpreter's site folders works from any of them; the editable
    installs of those folders (their own .pth files) stay inactive, so the new
    venv sees only what is installed into it of this project.
    """
    folder = Path(folder)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / "bin" / "python"
    if borrow:
        own = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             check=True, capture_output=True, text=True).stdout.strip()
        Path(own, "_borrowed_site.pth").write_text("".join(d + "\n" for d in site_dirs()))
        for data in ("share/jupyter", "etc/jupyter"):  # the borrowed packages' data files (templates, extension config)
            source = Path(sys.prefix, data)
            if source.is_dir():
                (folder / data).parent.mkdir(parents=True, exist_ok=True)
                (folder / data).symlink_to(source, target_is_directory=True)
    return python
