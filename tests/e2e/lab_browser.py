"""Debian's Chromium through Playwright (the Playwright browser download does not work here)."""
import os

CHROMIUM = "/usr/bin/chromium"
# no traffic but localhost: without the background-networking flags Chromium phones home and stalls
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--disable-quic"]
VIEWPORT = {"width": 1280, "height": 900}


class BrowserUnavailable(RuntimeError):
    """Chromium cannot start; the message says why and what to do."""


def launch(playwright):
    """A headless Chromium, or BrowserUnavailable with the reason."""
    if not os.access(CHROMIUM, os.X_OK):
        raise BrowserUnavailable(
            f"no Chromium at {CHROMIUM}: install Debian's package (apt-get update && apt-get install -y chromium); "
            ".ci/run does this when it is missing. Playwright's own browser download is not used.")
    try:
        return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, timeout=60_000)
    except Exception as e:  # Playwright raises its own Error with Chromium's output
        lines = [line[:300] for line in str(e).strip().splitlines()[:30]]
        raise BrowserUnavailable(f"Chromium at {CHROMIUM} did not start: " + "\n".join(lines)) from None
