"""A JupyterLab server of our own: a free localhost port, a token, isolated user config; always stopped.

The server uses this interpreter's environment, so the extensions installed in
it (nbgrader's Validate button and Assignments panel, the widget manager) load
as they do for a learner. What a learner's own home folder could add (user
config, kernelspecs, settings, a saved workspace) is kept out.
"""
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

START_TIMEOUT = 90  # seconds for the server to answer; it usually takes 2-5
STOP_TIMEOUT = 20  # seconds for a graceful shutdown (kernels included) before killing

# user settings of JupyterLab: no calls to the internet, no "news" pop-up in screenshots
SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True},
}


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    """`jupyter lab` serving `root`; `url`, `token` and `log` once started."""

    def __init__(self, root, state_dir):
        self.root = Path(root)
        self.state = Path(state_dir)
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = self.state / "jupyter-lab.log"
        self.process = None

    def _environment(self):
        env = dict(os.environ)
        for name in ("config", "data", "runtime", "ipython", "settings", "workspaces"):
            (self.state / name).mkdir(parents=True, exist_ok=True)
        env.update(JUPYTER_CONFIG_DIR=str(self.state / "config"),  # user-level only: sys.prefix's stays
                   JUPYTER_DATA_DIR=str(self.state / "data"),
                   JUPYTER_RUNTIME_DIR=str(self.state / "runtime"),
                   IPYTHONDIR=str(self.state / "ipython"))
        env.pop("MPLBACKEND", None)  # a CI's Agg backend would hide every inline figure
        env.pop("JUPYTER_TOKEN", None)
        for name, values in SETTINGS.items():
            path = self.state / "settings" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        return env

    def command(self):
        return [sys.executable, "-m", "jupyter", "lab", "--no-browser",
                "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={self.token}",
                f"--ServerApp.root_dir={self.root}",
                f"--LabApp.user_settings_dir={self.state / 'settings'}",
                f"--LabApp.workspaces_dir={self.state / 'workspaces'}",
                "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                "--LabApp.news_url=",
                "--LabApp.expose_app_in_browser=True"]  # window.jupyterapp: JupyterLab's commands and models

    def start(self):
        env = self._environment()
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(self.command(), cwd=self.root, env=env, stdout=log,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with code {self.process.returncode}:\n{self.log_tail()}")
            try:
                status = self.api("status")
                if "started" in status:
                    return self
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"jupyter lab did not answer on {self.url} within {START_TIMEOUT} s:\n{self.log_tail()}")

    def api(self, path, method="GET"):
        """JSON from the server's REST API, e.g. api("kernels")."""
        request = urllib.request.Request(f"{self.url}/api/{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def lab_url(self, path=""):
        return f"{self.url}/lab{path}?token={self.token}"

    def log_tail(self, lines=40):
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    def _descendants(self):
        """Pids of every process below the server (its kernels run in sessions of their own)."""
        parents = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        found, todo = [], [self.process.pid]
        while todo:
            children = parents.get(todo.pop(), [])
            found += children
            todo += children
        return found

    def stop(self):
        """Stop the server and its kernels: SIGTERM (a clean shutdown), then SIGKILL what is left."""
        if self.process is None or self.process.poll() is not None:
            return
        below = self._descendants()
        self.process.send_signal(signal.SIGINT)  # jupyter_server asks to confirm on a tty only
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(STOP_TIMEOUT)
        for pid in below:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
