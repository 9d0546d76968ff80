"""The backend's layers (docs/architecture.md): services never import the Celery tasks (commands leave through
backend/fleet/commands.py, by task name), and nothing below the API imports the API."""

from tests.code.imports import import_graph

# The doors in: what a request, a socket, a task, a command line or the admin reaches first.
ENTRY_POINTS = ("backend.urls", "backend.asgi", "backend.wsgi", "backend.web.", "backend.live.routing")
ENTRY_PARTS = (".api.", ".views", ".admin", ".management.", ".tasks", ".urls")


def is_entry_point(module: str) -> bool:
    return module.startswith(ENTRY_POINTS) or any(part in module + "." for part in ENTRY_PARTS)


def test_services_and_commands_never_import_tasks():
    graph = import_graph()
    offenders = {
        module: sorted(t for t in targets if t.endswith(".tasks"))
        for module, targets in graph.items()
        if module.startswith("backend.") and (".services." in module or module == "backend.fleet.commands")
    }
    assert {m: t for m, t in offenders.items() if t} == {}


def test_nothing_below_the_api_imports_the_api():
    graph = import_graph()
    below = [m for m in graph if m.startswith("backend.") and not is_entry_point(m)]
    offenders = {m: sorted(t for t in graph[m] if ".api." in t + ".") for m in below}
    assert {m: t for m, t in offenders.items() if t} == {}


def test_the_rule_sees_an_entry_point_from_a_module_below():
    assert is_entry_point("backend.accounts.api.views") and is_entry_point("backend.fleet.tasks")
    assert not is_entry_point("backend.accounts.services.connects")
    assert not is_entry_point("backend.live.broadcast")
