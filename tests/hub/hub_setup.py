"""A real JupyterHub on 127.0.0.1 for the hub test: local users, PAM, LocalProcessSpawner, nbgrader's exchange.

Everything here is made by the test and undone by it: the users and the
instructors' group (useradd / groupadd, userdel / groupdel), a folder under
/srv with the exchange and the hub's state, a file in /etc/profile.d, and the
processes (stopped by their own pid). Two environments, as the README's hub
section sets them up, both venvs made from a Python every user can run
(issue #15, item 5) and kept between runs (their first making downloads the
dependencies):

- the learners' (/opt/actspace-hubtest-learner): jupyterhub and the learner's
  wheel built from this checkout (no solutions, no source lessons), remade
  when the wheel's contents change;
- the instructor's (/opt/actspace-hubtest-venv): jupyterhub and the
  instructor's copy of this checkout (/opt/actspace-hubtest-checkout, the
  instructors' group only), installed editable.

jupyterhub_config.py's pre_spawn_hook starts each user's server from their
group's environment; /etc/profile.d puts the same one on login shells' PATH.
"""
import grp
import hashlib
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
import zipfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
LEARNER_VENV = pathlib.Path("/opt/actspace-hubtest-learner")  # jupyterhub + the learner's wheel: what learners run
INSTRUCTOR_VENV = pathlib.Path("/opt/actspace-hubtest-venv")  # jupyterhub + CHECKOUT, editable: the instructor's
CHECKOUT = pathlib.Path("/opt/actspace-hubtest-checkout")  # the instructor's copy of this checkout (group-only)
INSTRUCTORS = "ashub-instructors"  # the instructors' group: their environment and login-shell PATH
BASE_PYTHONS = ("/usr/bin/python3", "/usr/local/bin/python3")  # a Python every user can run (not under /root)
CHP_INSTALL = ["npm", "install", "-g", "configurable-http-proxy"]
PROFILE = pathlib.Path("/etc/profile.d/actspace-hubtest.sh")  # README's /etc/profile.d/actspace.sh, for the test
COURSE = "actspace"


def run(argv, check=True, timeout=600, **kw):
    """Run a command (without the test's PYTHONPATH: the venvs import their own installs); raise on failure."""
    kw.setdefault("env", {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")})
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


# ------------------------------------------------------------------ the two environments


def readable_by_all(path):
    """Can every user reach and read `path` (every folder above it o+x, it o+r)?"""
    path = pathlib.Path(path).resolve()
    folders_ok = all(os.stat(p).st_mode & 0o001 for p in [*path.parents, path] if p.is_dir())
    return folders_ok and bool(os.stat(path).st_mode & 0o004)


def _base_python():
    base = next((p for p in BASE_PYTHONS if os.access(p, os.X_OK)), None)
    if base is None:
        raise RuntimeError(f"no Python outside /root to make the hub's venvs from (looked for {BASE_PYTHONS})")
    return base


def wheel_digest(wheel):
    """A hash of the wheel's contents (names and bytes, not the zip's timestamps): is a venv's install current?"""
    digest = hashlib.sha256()
    with zipfile.ZipFile(wheel) as z:
        for name in sorted(z.namelist()):
            digest.update(name.encode() + b"\0" + z.read(name) + b"\0")
    return digest.hexdigest()


def build_wheel(out_dir):
    """The learner's wheel of this checkout (setup.py's LearnerBuildPy), built by a Python with setuptools and wheel."""
    run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", out_dir, ROOT],
        timeout=600)
    wheels = sorted(pathlib.Path(out_dir).glob("actspace-*.whl"))
    if len(wheels) != 1:
        raise RuntimeError(f"building the learner's wheel left {wheels} in {out_dir}")
    return wheels[0]


def learner_python():
    """The learners' environment: a venv (from a Python every user can run) with jupyterhub and the learner's wheel.

    Kept between runs; the wheel is reinstalled when its contents changed
    (a hash of them is kept in the venv), and the venv made anew when missing.
    """
    python = LEARNER_VENV / "bin" / "python"
    stamp = LEARNER_VENV / ".actspace-wheel-sha256"
    old = os.umask(0o022)
    try:
        with tempfile.TemporaryDirectory() as out:
            wheel = build_wheel(out)
            digest = wheel_digest(wheel)
            usable = python.exists() and run([python, "-c", "import jupyterhub, nbgrader, actspace"],
                                             check=False, cwd="/").returncode == 0
            if not usable:
                shutil.rmtree(LEARNER_VENV, ignore_errors=True)
                run([_base_python(), "-m", "venv", LEARNER_VENV])
                run([python, "-m", "pip", "install", "-q", "jupyterhub", wheel], timeout=1200)
            elif not (stamp.exists() and stamp.read_text().strip() == digest):
                run([python, "-m", "pip", "install", "-q", "--force-reinstall", "--no-deps", wheel], timeout=600)
                run([python, "-m", "pip", "install", "-q", wheel], timeout=600)  # a new dependency, if any
            stamp.write_text(digest + "\n")
    finally:
        os.umask(old)
    where = run([python, "-c", "import grader, actspace; print(grader.__file__)"], cwd="/").stdout.strip()
    if not where.startswith(str(LEARNER_VENV) + os.sep):
        raise RuntimeError(f"the learners' venv {LEARNER_VENV} imports grader from {where}: remove it and run again")
    return python


def copy_checkout(dest, group):
    """The instructor's copy of this checkout at `dest`: root:`group`, 0750 folders, 0640 files (o: nothing).

    What an admin does with the clone the instructors' environment installs
    editable (`chgrp -R` to the instructors' group, `chmod -R o-rwx`): a
    learner can read neither the reference `solutions/` nor the source lessons.
    """
    files = run(["git", "-C", ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard"]).stdout
    shutil.rmtree(dest, ignore_errors=True)
    gid = grp.getgrnam(group).gr_gid
    dest.mkdir(mode=0o750)
    for rel in filter(None, files.split("\0")):
        src = ROOT / rel
        if not src.is_file():
            continue  # deleted in the work tree, not yet committed
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)
    for folder, dirs, names in os.walk(dest):
        os.chown(folder, 0, gid)
        os.chmod(folder, 0o750)
        for name in names:
            path = os.path.join(folder, name)
            os.chown(path, 0, gid)
            os.chmod(path, 0o750 if os.stat(path).st_mode & 0o100 else 0o640)
    return dest


def instructor_python(checkout):
    """The instructor's environment: a venv with jupyterhub and `checkout` installed editable (kept between runs)."""
    python = INSTRUCTOR_VENV / "bin" / "python"
    stamp = INSTRUCTOR_VENV / ".actspace-pyproject-sha256"
    old = os.umask(0o022)
    try:
        if not (python.exists() and run([python, "-c", "import jupyterhub, nbgrader"], check=False).returncode == 0):
            shutil.rmtree(INSTRUCTOR_VENV, ignore_errors=True)
            run([_base_python(), "-m", "venv", INSTRUCTOR_VENV])
            run([python, "-m", "pip", "install", "-q", "jupyterhub", "-e", str(checkout)], timeout=1200)
        where = run([python, "-c", "import grader; print(grader.__file__)"], check=False, cwd="/").stdout.strip()
        digest = hashlib.sha256((checkout / "pyproject.toml").read_bytes() + (checkout / "setup.py").read_bytes())
        if not (where.startswith(str(checkout) + os.sep) and stamp.exists()
                and stamp.read_text().strip() == digest.hexdigest()):  # another checkout, or new dependencies
            run([python, "-m", "pip", "install", "-q", "-e", str(checkout)], timeout=1200)
            stamp.write_text(digest.hexdigest() + "\n")
    finally:
        os.umask(old)
    where = run([python, "-c", "import grader, solutions; print(grader.__file__)"], cwd="/").stdout.strip()
    if not where.startswith(str(checkout) + os.sep):
        raise RuntimeError(f"the instructor's venv {INSTRUCTOR_VENV} imports grader from {where}, not from the "
                           f"instructor's copy {checkout} of this checkout: remove {INSTRUCTOR_VENV} and run again")
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

    def __init__(self, names, groups=None):
        self.names = list(names)
        self.groups = dict(groups or {})  # {group: [member, ...]}, made with the users
        self.passwords = {n: secrets.token_urlsafe(12) for n in self.names}
        self.made = []

    def create(self):
        for name in self.names:
            self.remove_one(name)  # a user an interrupted run left behind
            # Debian's old default for homes, 0755: what the issue found (the README tells admins to make them 0700)
            run(["useradd", "--create-home", "--shell", "/bin/bash", "-K", "HOME_MODE=0755", name])
            self.made.append(name)
        run(["chpasswd"], input="".join(f"{n}:{p}\n" for n, p in self.passwords.items()))
        for group, members in self.groups.items():
            run(["groupdel", group], check=False)
            run(["groupadd", group])
            for member in members:
                run(["usermod", "-aG", group, member])
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
        for group in self.groups:
            run(["groupdel", group], check=False)


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

    def __init__(self, learner_python, instructor_python, users, instructor, chp):
        self.python = pathlib.Path(learner_python)  # the hub itself runs from the learners' venv (it has jupyterhub)
        self.users, self.instructor, self.chp = users, instructor, chp
        self.learner_bin, self.instructor_bin = self.python.parent, pathlib.Path(instructor_python).parent
        self.srv = pathlib.Path(tempfile.mkdtemp(prefix="actspace-hubtest-", dir="/srv"))
        self.srv.chmod(0o755)
        self.exchange = self.srv / "exchange"
        self.etc = self.srv / "etc-jupyter"  # stands for /etc/jupyter (on JUPYTER_CONFIG_PATH), left as it is here
        self.state = self.srv / "hub"
        self.port, self.hub_port, self.api_port = free_port(), free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.state / "jupyterhub.log"
        self.process = None

    @staticmethod
    def path(bin_dir):
        return f"{bin_dir}:/usr/local/bin:/usr/bin:/bin"

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
        """/etc/profile.d's file: the README's lines (each group's environment on PATH), then the /etc/jupyter stand-in."""
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
# the README's lines: each user's server from their group's environment (instructors: the checkout, editable;
# everybody else: the learner's install), and a user's own Jupyter config has the last word over the venv's
import grp

def pre_spawn_hook(spawner):
    try:
        instructors = set(grp.getgrnam("{INSTRUCTORS}").gr_mem)
    except KeyError:
        instructors = set()
    venv_bin = "{self.instructor_bin}" if spawner.user.name in instructors else "{self.learner_bin}"
    spawner.cmd = [venv_bin + "/jupyterhub-singleuser"]
    spawner.environment = dict(spawner.environment, PATH=venv_bin + ":/usr/local/bin:/usr/bin:/bin")

c.Spawner.pre_spawn_hook = pre_spawn_hook
c.Spawner.cmd = ["{self.learner_bin / 'jupyterhub-singleuser'}"]  # (the hook decides; this is the default)
c.Spawner.environment = {{"JUPYTER_PREFER_ENV_PATH": "0", "JUPYTER_CONFIG_PATH": "{self.etc}"}}
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
        env = {"PATH": self.path(self.learner_bin), "LANG": "C.UTF-8", "HOME": "/root"}
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
