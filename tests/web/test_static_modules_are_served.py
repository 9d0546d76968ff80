"""The page's CSS and JS modules are served by Django itself (daphne alone gives a working page)."""

import pytest
from django.test import Client


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "js/accounts_page.js",
        "js/api.js",
        "js/live.js",
        "js/phone.js",
        "js/qr_panel.js",
        "js/timeline.js",
        "js/announcer.js",
        "js/proxy_settings.js",
        "js/incident_banner.js",
    ],
)
def test_each_module_is_served_as_javascript(client, path):
    response = client.get(f"/static/web/{path}")
    response.close()  # a FileResponse: close its file
    assert response.status_code == 200
    assert "javascript" in response["Content-Type"]


@pytest.mark.django_db
def test_the_stylesheet_is_served(client):
    response = client.get("/static/web/css/settings.css")
    response.close()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")


@pytest.mark.django_db
def test_nothing_outside_the_static_folder_is_served():
    client = Client(raise_request_exception=False)
    for path in ("/static/web/../views.py", "/static/web/%2e%2e/views.py", "/static/web/js/../../views.py"):
        response = client.get(path)
        assert response.status_code in (400, 404), path
        assert b"def whatsapp_accounts" not in response.content


@pytest.mark.django_db
def test_the_favicon_is_served_where_the_pages_name_it_and_where_browsers_look(owner_client, workspace):
    page = owner_client.get(f"/settings/whatsapp-accounts?workspace={workspace.pk}").content.decode()
    assert '<link rel="icon" href="/static/web/favicon.svg" type="image/svg+xml">' in page
    for path in ("/static/web/favicon.svg", "/favicon.ico"):
        response = owner_client.get(path)
        body = b"".join(response.streaming_content)
        assert response.status_code == 200, path
        assert response["Content-Type"] == "image/svg+xml" and body.startswith(b"<svg"), path
