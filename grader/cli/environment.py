"""The environment the `actspace` command runs in: this interpreter's tools first on PATH."""
import os
import pathlib
import re
import sys
import sysconfig


def use_own_tools():
    """Put this interpreter's script folders first on PATH: nbgrader runs `alembic` and kernels by name.

    That is the virtual environment's bin (even when it is not activated)
    and, for a venv made with --system-site-packages, its base's bin.
    """
    own = [os.path.dirname(sys.executable), sysconfig.get_path("scripts"),
           sysconfig.get_path("scripts", vars={"base": sys.base_prefix, "platbase": sys.base_exec_prefix})]
    first = list(dict.fromkeys(p for p in own if p and os.path.isdir(p)))
    rest = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p not in first]
    os.environ["PATH"] = os.pathsep.join(first + rest)
    if _sees_system_site():  # then nbconvert's templates may live in the base's share/jupyter
        base_share = os.path.join(sys.base_prefix, "share", "jupyter")
        paths = [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
        if os.path.isdir(base_share) and base_share not in paths:
            os.environ["JUPYTER_PATH"] = os.pathsep.join(paths + [base_share])


def _sees_system_site():
    """Is this a venv made with --system-site-packages?"""
    cfg = pathlib.Path(sys.prefix) / "pyvenv.cfg"
    return sys.prefix != sys.base_prefix and cfg.is_file() and re.search(
        r"^include-system-site-packages\s*=\s*true", cfg.read_text(), re.M | re.I) is not None
