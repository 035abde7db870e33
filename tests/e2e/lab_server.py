"""`actspace lab` of our own: the learner's JupyterLab on a free localhost port, with a token; always stopped.

The server is the `actspace lab` command itself (it builds the student versions
into a working folder and starts JupyterLab there with the learner's nbgrader
extensions), run with this interpreter, so what is installed in this
environment loads as it does for a learner. What a learner's home folder could
add (user config, kernelspecs, settings, a saved workspace) is kept out; the
few settings the tests need go into a user config folder of their own.
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

START_TIMEOUT = 180  # seconds to build the student versions and answer; usually 10-20
STOP_TIMEOUT = 20  # seconds for a graceful shutdown (kernels included) before killing

# JupyterLab's user settings: no calls to the internet, no "news" pop-up in screenshots
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
    """`actspace lab --dir FOLDER --course COURSE` run from FOLDER's parent, state (config, log) in `state_dir`."""

    def __init__(self, folder, course, state_dir):
        self.folder, self.course, self.state = Path(folder), Path(course), Path(state_dir)
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = self.state / "actspace-lab.log"
        self.process = None

    def _config(self):
        """Server settings of the tests, as user config (`actspace lab` has no flags for them)."""
        settings, workspaces = self.state / "settings", self.state / "workspaces"
        for name, values in SETTINGS.items():
            path = settings / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        workspaces.mkdir(parents=True, exist_ok=True)
        config = {
            "ServerApp": {"ip": "127.0.0.1", "port_retries": 0},
            "IdentityProvider": {"token": self.token},
            "LabApp": {"expose_app_in_browser": True,  # window.jupyterapp: JupyterLab's commands and models
                       "user_settings_dir": str(settings), "workspaces_dir": str(workspaces),
                       "check_for_updates_class": "jupyterlab.NeverCheckForUpdate", "news_url": ""},
        }
        folder = self.state / "config"
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("jupyter_server_config.json", "jupyter_lab_config.json"):
            (folder / name).write_text(json.dumps(config, indent=1))
        return folder

    def _environment(self):
        env = dict(os.environ)
        for name in ("data", "runtime", "ipython"):
            (self.state / name).mkdir(parents=True, exist_ok=True)
        env.update(JUPYTER_CONFIG_DIR=str(self._config()),  # the user's own: sys.prefix's config stays
                   JUPYTER_DATA_DIR=str(self.state / "data"),
                   JUPYTER_RUNTIME_DIR=str(self.state / "runtime"),
                   IPYTHONDIR=str(self.state / "ipython"))
        for name in ("MPLBACKEND",  # a CI's Agg backend would hide every inline figure
                     "JUPYTER_TOKEN", "JUPYTER_CONFIG_PATH"):
            env.pop(name, None)
        return env

    def command(self):
        return [sys.executable, "-m", "grader.cli", "lab", "--no-browser", "--port", str(self.port),
                "--dir", str(self.folder), "--course", str(self.course)]

    def start(self):
        """Start the server and wait until it answers; RuntimeError (with its log) if it does not."""
        env = self._environment()
        self.folder.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(self.command(), cwd=self.folder.parent, env=env, stdout=log,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            start_new_session=True)
        try:
            self._wait_until_up()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_up(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"`actspace lab` exited with code {self.process.returncode}:\n{self.log_tail()}")
            try:
                if "started" in self.api("status"):
                    return
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.25)
        raise RuntimeError(f"`actspace lab` did not answer on {self.url} within {START_TIMEOUT} s:\n"
                           f"{self.log_tail()}")

    def api(self, path):
        """JSON from the server's REST API, e.g. api("kernels")."""
        request = urllib.request.Request(f"{self.url}/api/{path}", headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def lab_url(self, path=""):
        return f"{self.url}/lab{path}?token={self.token}"

    def log_tail(self, lines=40):
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    @staticmethod
    def _processes():
        """{pid: (parent pid, start time)} from /proc (Linux)."""
        table = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            table[int(stat.parent.name)] = (int(fields[1]), fields[19])
        return table

    def _descendants(self):
        """{pid: start time} of every process below the server (its kernels run in sessions of their own)."""
        table = self._processes()
        children = {}
        for pid, (parent, _) in table.items():
            children.setdefault(parent, []).append(pid)
        found, todo = {}, [self.process.pid]
        while todo:
            for pid in children.get(todo.pop(), []):
                found[pid] = table[pid][1]
                todo.append(pid)
        return found

    def stop(self):
        """Stop the server and its kernels: SIGTERM (a clean shutdown), then SIGKILL what is left."""
        if self.process is None or self.process.poll() is not None:
            return
        below = self._descendants()
        self.process.send_signal(signal.SIGTERM)  # jupyter_server shuts its kernels down, then exits
        try:
            self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(STOP_TIMEOUT)
        now = self._processes()
        for pid, started in below.items():
            if pid in now and now[pid][1] == started:  # still the same process, not a reused pid
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
