"""The pages work under their Content-Security-Policy (backend/headers.py), in Chromium on the live stack: sign in,
the settings page goes live over its WebSocket, Connect shows the QR, the phone scans it and the number shows;
the admin's login and the API docs render. Not one CSP violation is reported, neither as a
`securitypolicyviolation` event nor on the console."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import own_stack, panel_account_id, shown_qr, sign_in
from tests.harness.people import make_people

pytestmark = pytest.mark.slow

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`);
});
"""


@pytest.fixture(scope="module")
def stack(request):
    """As `make run` serves it (DEBUG: daphne serves the admin's and Swagger UI's static files too, which nginx
    serves in production), so that every page loads all it would; the headers are the same either way."""
    with own_stack(request, backend_env={"DJANGO_DEBUG": "True"}) as live:
        yield live


@pytest.fixture
def page(context):
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.console_messages_seen = []
    page.on("console", lambda message: page.console_messages_seen.append(message.text))
    return page


def violations(page) -> list[str]:
    on_console = [text for text in page.console_messages_seen if "Content Security Policy" in text]
    return page.evaluate("() => window.__cspViolations || []") + on_console


def test_the_settings_page_connects_a_phone_under_its_policy(page, stack, phone):
    person = make_people(stack, {"cecilia": "CSP shop"})["cecilia"]
    sign_in(page, stack, "cecilia")
    assert violations(page) == []
    policy = page.evaluate("async () => (await fetch(location.href)).headers.get('content-security-policy')")
    assert "script-src 'self'" in policy

    expect(page.locator("#live-mode")).to_have_attribute("data-mode", "live")  # the WebSocket is allowed
    page.click("#connect-button")
    dialog = page.locator("#connect-dialog")
    expect(dialog.locator("[data-qr] svg")).to_be_visible()
    account_id = panel_account_id(page)
    phone.scan_shown(lambda: shown_qr(page, person.workspace_id, account_id), phone_number="6281234567890")
    expect(dialog.locator("[data-connected-text]")).to_have_text("Connected: +62 812-3456-7890")
    assert violations(page) == []


def test_the_admin_login_and_the_api_docs_render_under_their_policies(page, stack):
    page.goto(f"{stack.backend_url}/admin/login/")
    expect(page.locator("#id_username")).to_be_visible()
    page.goto(f"{stack.backend_url}/api/v1/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("WhatsApp accounts API")
    expect(page.locator(".swagger-ui .info .description")).to_contain_text("/ws/workspaces/<id>/")  # not eaten as HTML
    assert violations(page) == []
