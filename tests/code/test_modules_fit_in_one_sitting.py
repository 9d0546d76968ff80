"""No module of the project is over 300 lines: each can be read in one sitting (migrations excepted: generated)."""

from tests.code.imports import project_modules

LIMIT = 300


def test_no_module_is_over_300_lines():
    long = {name: n for name, path in project_modules().items() if (n := len(path.read_text().splitlines())) > LIMIT}
    assert long == {}
