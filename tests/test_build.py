"""One source of truth: the student lessons, practice keys and given figure numbers that ship are what
`actspace build` makes now."""
import json
import math

import nbformat
import numpy as np
import pytest

from grader.checking import evidence
from grader.course import build
from grader.course.course import lessons_in


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory):
    root = tmp_path_factory.mktemp("rebuilt")
    build.build(root / "lessons", root / "keys", root / "data")
    return root


def _cells(path):
    nb = nbformat.read(path, as_version=4)
    return [(c.cell_type, c.source, c.metadata.get("nbgrader", {})) for c in nb.cells]


def test_student_lessons_have_not_drifted_from_the_source(rebuilt):
    assert lessons_in(rebuilt / "lessons") == lessons_in(build.STUDENT_LESSONS)
    for name in lessons_in(rebuilt / "lessons"):
        assert _cells(build.STUDENT_LESSONS / name / f"{name}.ipynb") == _cells(rebuilt / "lessons" / name / f"{name}.ipynb"), \
            f"actspace/lessons/{name} differs from lessons/{name}: run `actspace build`"


def _same(a, b, where, rel=1e-12):
    """Equal structure and text; numbers equal to `rel` (another BLAS may round the last bits otherwise)."""
    if isinstance(a, dict) and set(a) == {"dtype", "shape", "data"}:
        x = evidence.decode_value(a, [evidence.MAX_BYTES])
        y = evidence.decode_value(b, [evidence.MAX_BYTES])
        assert x.dtype == y.dtype and x.shape == y.shape, where
        assert np.allclose(x.astype(float), y.astype(float), rtol=rel, atol=1e-12, equal_nan=True), where
    elif isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b), where
        for k in a:
            _same(a[k], b[k], f"{where}/{k}", rel)
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{where}[{i}]", rel)
    elif isinstance(a, float):
        assert isinstance(b, float) and math.isclose(a, b, rel_tol=rel, abs_tol=1e-12), where
    else:
        assert a == b, where


def test_practice_keys_have_not_drifted_from_the_reference(rebuilt):
    shipped = sorted(p.name for p in build.KEYS.glob("*.json"))
    assert shipped == sorted(p.name for p in (rebuilt / "keys").glob("*.json"))
    for name in shipped:
        _same(json.loads((build.KEYS / name).read_text()), json.loads((rebuilt / "keys" / name).read_text()),
              f"actspace/keys/{name} (run `actspace build`)")


def test_given_figure_numbers_have_not_drifted_from_the_reference(rebuilt):
    made = sorted(p.name for p in (rebuilt / "data").glob("*_given.json"))
    assert made and made == sorted(p.name for p in build.DATA.glob("*_given.json"))
    for name in made:
        _same(json.loads((build.DATA / name).read_text()), json.loads((rebuilt / "data" / name).read_text()),
              f"actspace/data/{name} (run `actspace build`)", rel=1e-9)  # a least-squares fit: BLAS rounds
