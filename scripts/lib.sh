# Shared by scripts/demo and scripts/test: find the Python to install into, install system packages.
# Sourced, not run. Works as root, as a user with sudo, inside or outside a virtual environment.

say() { printf 'actspace: %s\n' "$*" >&2; }

# The Python to use: the active venv or conda env (activated or named by $PYTHON), else this
# machine's python3 unless its packages are managed by the system (PEP 668), else ./.venv.
pick_python() {
    local py="${PYTHON:-}"
    if [ -z "$py" ] && [ -n "${VIRTUAL_ENV:-}" ] && [ -x "$VIRTUAL_ENV/bin/python" ]; then py="$VIRTUAL_ENV/bin/python"; fi
    if [ -z "$py" ] && [ -n "${CONDA_PREFIX:-}" ] && [ -x "$CONDA_PREFIX/bin/python" ]; then py="$CONDA_PREFIX/bin/python"; fi
    if [ -z "$py" ]; then py="$(command -v python3 || command -v python || true)"; fi
    [ -n "$py" ] || { say "no python3 on PATH: install Python 3.10 or newer (Debian: apt-get install python3 python3-venv)"; exit 1; }
    "$py" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
        || { say "$py is Python $("$py" -c 'import platform; print(platform.python_version())'); actspace needs 3.10 or newer"; exit 1; }
    if "$py" -c 'import sys, sysconfig, os; in_env = sys.prefix != sys.base_prefix or os.path.exists(os.path.join(sys.prefix, "conda-meta")); managed = os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")); sys.exit(0 if in_env or not managed else 1)'; then
        PY="$py"
    else  # a system Python whose packages belong to the system: our own venv beside the checkout
        if [ ! -x .venv/bin/python ]; then
            say "$py is managed by the system (PEP 668): making a virtual environment in $(pwd)/.venv"
            "$py" -m venv .venv 2>/dev/null || { need_system_packages python3-venv && "$py" -m venv .venv; } || exit 1
        fi
        PY="$(pwd)/.venv/bin/python"
    fi
    "$PY" -m pip --version >/dev/null 2>&1 || "$PY" -m ensurepip --upgrade >/dev/null 2>&1 \
        || { say "$PY has no pip: install it (Debian: apt-get install python3-pip python3-venv)"; exit 1; }
    export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
}

# need_system_packages PKG...: Debian/Ubuntu packages, installed with apt-get when missing (as root or with sudo).
need_system_packages() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo"
        else say "the tests need the system packages ${missing[*]}: run 'sudo apt-get install -y ${missing[*]}' (no root or sudo here), then run this again"; exit 1
        fi
    fi
    command -v apt-get >/dev/null 2>&1 \
        || { say "the tests need ${missing[*]} (Debian package names); install them with your system's package manager"; exit 1; }
    say "installing ${missing[*]} with apt-get"
    $sudo apt-get update -q >/dev/null && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null \
        || { say "apt-get could not install ${missing[*]}: run 'sudo apt-get install -y ${missing[*]}' and see its message"; exit 1; }
}
