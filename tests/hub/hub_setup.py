"""A real JupyterHub on 127.0.0.1 for the hub test: local users, PAM, LocalProcessSpawner, nbgrader's exchange.

Everything here is made by the test and undone by it: the users (useradd /
userdel), a folder under /srv with the exchange and the hub's state, a file
in /etc/profile.d, and the processes (stopped by their own pid). The servers
run from an environment every user can read (issue #15, item 5): the one
named by $ACTSPACE_HUB_PYTHON, else a venv the set-up makes once in
/opt/actspace-hubtest-venv from a Python outside /root, with jupyterhub and
this checkout (editable) installed in it (its first making downloads the dependencies:
a set-up script should make it beforehand, see test_hub_cycle.py). The
admin's lines of the README change that environment's own Jupyter config
(sys-prefix level), as they would on a real hub.
"""
import json
import os
import pathlib
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
VENV = pathlib.Path("/opt/actspace-hubtest-venv")
BASE_PYTHONS = ("/usr/bin/python3", "/usr/local/bin/python3")  # a Python every user can run (not under /root)
CHP_INSTALL = ["npm", "install", "-g", "configurable-http-proxy"]
PROFILE = pathlib.Path("/etc/profile.d/actspace-hubtest.sh")  # README's /etc/profile.d/actspace.sh, for the test
COURSE = "actspace"


def run(argv, check=True, timeout=600, **kw):
    """Run a command; on failure raise with what it printed."""
    result = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=timeout, **kw)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, argv))} exited {result.returncode}:\n{result.stdout[-3000:]}\n"
                           f"{result.stderr[-3000:]}")
    return result


def as_user(user, command, check=True, timeout=600):
    """`command` (a shell line) in `user`'s login shell, as in a hub terminal (/etc/profile and profile.d read)."""
    return run(["runuser", "-l", user, "-c", command], check=check, timeout=timeout)


def can_read_as(user, *argv):
    """Does `argv` (e.g. cat PATH) succeed as `user`?"""
    return run(["runuser", "-u", user, "--", *argv], check=False).returncode == 0


# ------------------------------------------------------------------ the environment the servers use


def readable_by_all(path):
    """Can every user reach and read `path` (every folder above it o+x, it o+r)?"""
    path = pathlib.Path(path).resolve()
    folders_ok = all(os.stat(p).st_mode & 0o001 for p in [*path.parents, path] if p.is_dir())
    return folders_ok and bool(os.stat(path).st_mode & 0o004)


def hub_python():
    """The Python of the hub's environment: $ACTSPACE_HUB_PYTHON, else this set-up's venv (made if missing).

    The venv has this checkout installed in editable mode (a plain install lacks
    the lessons: they are not package data), so the checkout must be readable
    by every user, as the environment itself must be (issue #15, item 5).
    """
    chosen = os.environ.get("ACTSPACE_HUB_PYTHON")
    if chosen:
        return pathlib.Path(chosen)
    if not readable_by_all(ROOT):
        raise RuntimeError(f"this checkout {ROOT} is not readable by every user (a folder above it is private): "
                           "the hub's users could not import grader; put it elsewhere or set ACTSPACE_HUB_PYTHON")
    python = VENV / "bin" / "python"
    old = os.umask(0o022)
    try:
        if not (python.exists() and run([python, "-c", "import jupyterhub, nbgrader"], check=False).returncode == 0):
            base = next((p for p in BASE_PYTHONS if os.access(p, os.X_OK)), None)
            if base is None:
                raise RuntimeError(f"no Python outside /root to make the hub's venv from (looked for {BASE_PYTHONS})")
            run([base, "-m", "venv", VENV])
            run([python, "-m", "pip", "install", "-q", "jupyterhub", "-e", str(ROOT)], timeout=1200)
        else:  # this checkout, every time
            run([python, "-m", "pip", "install", "-q", "--no-deps", "-e", str(ROOT)], timeout=600)
    finally:
        os.umask(old)
    where = run([python, "-c", "import grader; print(grader.__file__)"], cwd="/").stdout.strip()
    if not where.startswith(str(ROOT) + os.sep):
        raise RuntimeError(f"the hub's venv {VENV} imports grader from {where}, not from this checkout {ROOT}: "
                           f"remove {VENV} and run again")
    return python


def proxy():
    """configurable-http-proxy's path, installed with npm if missing."""
    found = shutil.which("configurable-http-proxy")
    if not found:
        old = os.umask(0o022)
        try:
            run(CHP_INSTALL, timeout=600)
        finally:
            os.umask(old)
        found = shutil.which("configurable-http-proxy")
    if not found:
        raise RuntimeError(f"configurable-http-proxy is not on PATH after `{' '.join(CHP_INSTALL)}`")
    return found


# ------------------------------------------------------------------ users


class Users:
    """Local users made for the test (useradd, chpasswd), removed with their homes and processes afterwards."""

    def __init__(self, names):
        self.names = list(names)
        self.passwords = {n: secrets.token_urlsafe(12) for n in self.names}
        self.made = []

    def create(self):
        for name in self.names:
            self.remove_one(name)  # a user an interrupted run left behind
            # Debian's old default for homes, 0755: what the issue found (the README tells admins to make them 0700)
            run(["useradd", "--create-home", "--shell", "/bin/bash", "-K", "HOME_MODE=0755", name])
            self.made.append(name)
        run(["chpasswd"], input="".join(f"{n}:{p}\n" for n, p in self.passwords.items()))
        return self

    @staticmethod
    def home(name):
        return pathlib.Path(f"/home/{name}")

    @staticmethod
    def remove_one(name):
        if run(["id", "-u", name], check=False).returncode != 0:
            return
        for pid in pids_of(name):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        run(["userdel", "--remove", name], check=False)

    def remove(self):
        for name in self.made:
            self.remove_one(name)
        self.made = []


def pids_of(user):
    """Processes running as `user` (all started by the test: the user is the test's own)."""
    result = run(["pgrep", "-u", user], check=False)
    return [int(p) for p in result.stdout.split()]


# ------------------------------------------------------------------ the hub


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Hub:
    """JupyterHub with PAM users and LocalProcessSpawner; its state, exchange and system config in a /srv folder."""

    def __init__(self, python, users, instructor, chp):
        self.python, self.users, self.instructor, self.chp = pathlib.Path(python), users, instructor, chp
        self.bin = self.python.parent
        self.srv = pathlib.Path(tempfile.mkdtemp(prefix="actspace-hubtest-", dir="/srv"))
        self.srv.chmod(0o755)
        self.exchange = self.srv / "exchange"
        self.etc = self.srv / "etc-jupyter"  # stands for /etc/jupyter (on JUPYTER_CONFIG_PATH), left as it is here
        self.state = self.srv / "hub"
        self.port, self.hub_port, self.api_port = free_port(), free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.state / "jupyterhub.log"
        self.process = None

    def path(self):
        return f"{self.bin}:/usr/local/bin:/usr/bin:/bin"

    def write_system_config(self):
        """The README's /etc/jupyter/nbgrader_config.py, and the test's own JupyterLab settings, for every user."""
        self.exchange.mkdir()
        self.exchange.chmod(0o777)
        self.etc.mkdir()
        (self.etc / "nbgrader_config.py").write_text(
            "c = get_config()\n"
            f'c.CourseDirectory.course_id = "{COURSE}"\n'
            f'c.Exchange.root = "{self.exchange}"\n')
        lab = {"LabApp": {"expose_app_in_browser": True, "news_url": "",
                          "check_for_updates_class": "jupyterlab.NeverCheckForUpdate"}}
        for name in ("jupyter_server_config.json", "jupyter_lab_config.json"):
            (self.etc / name).write_text(json.dumps(lab, indent=1))
        for path in [self.etc, *self.etc.iterdir()]:
            path.chmod(0o755 if path.is_dir() else 0o644)

    def write_profile(self, lines):
        """/etc/profile.d's file: the README's lines, then this hub's stand-in for /etc/jupyter."""
        PROFILE.write_text("".join(l + "\n" for l in lines) + f'export JUPYTER_CONFIG_PATH="{self.etc}"\n')
        PROFILE.chmod(0o644)

    def config(self):
        return f"""
c = get_config()
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {self.port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {self.hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{self.api_port}"
c.ConfigurableHTTPProxy.command = ["{self.chp}"]
c.ConfigurableHTTPProxy.should_start = True
c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = {set(self.users)!r}
c.Authenticator.admin_users = {{"{self.instructor}"}}
c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.cmd = ["{self.bin / 'jupyterhub-singleuser'}"]
c.Spawner.default_url = "/lab"
# the README's line: a user's own Jupyter config has the last word over the venv's (the instructor's formgrader)
c.Spawner.environment = {{"JUPYTER_PREFER_ENV_PATH": "0",
                         "JUPYTER_CONFIG_PATH": "{self.etc}", "PATH": "{self.path()}"}}
c.Spawner.http_timeout = 120
c.Spawner.start_timeout = 180
c.JupyterHub.db_url = "sqlite:///{self.state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = "{self.state / 'cookie_secret'}"
c.JupyterHub.pid_file = "{self.state / 'jupyterhub.pid'}"
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True
"""

    def start(self, timeout=120):
        self.state.mkdir(mode=0o700)
        (self.state / "jupyterhub_config.py").write_text(self.config())
        env = {"PATH": self.path(), "LANG": "C.UTF-8", "HOME": "/root"}
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen([self.python, "-m", "jupyterhub", "-f", self.state / "jupyterhub_config.py"],
                                        cwd=self.state, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterHub exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/hub/api", timeout=5) as r:
                    if r.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"JupyterHub did not answer within {timeout} s:\n{self.log_tail()}")
            time.sleep(0.5)

    def log_tail(self, n=4000):
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def stop(self):
        """SIGTERM to the hub (it stops the proxy and the users' servers), then SIGKILL what is left, by pid."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)  # the proxy, started in the hub's own session
            except (ProcessLookupError, PermissionError):
                pass
            self._log.close()

    def cleanup(self):
        PROFILE.unlink(missing_ok=True)
        shutil.rmtree(self.srv, ignore_errors=True)
