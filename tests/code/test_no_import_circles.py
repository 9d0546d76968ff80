"""No two modules of the project import each other, directly or around a circle (docs/architecture.md "The
backend's four parts"): every import statement counts, at the top of a module or inside a function."""

from tests.code.imports import cycles, import_graph


def test_the_import_graph_has_no_circle():
    assert cycles(import_graph()) == []


def test_a_circle_is_found_when_there_is_one():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
