"""Where an importable package lives, found without importing it."""
import importlib.util
import os


def package_dir(name):
    """The real folder of package `name` (None if it is not importable here)."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return os.path.realpath(list(spec.submodule_search_locations)[0])
