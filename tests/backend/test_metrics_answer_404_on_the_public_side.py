"""/metrics is never served on the public server: the shipped nginx answers 404 for it there and passes it on from
the private listener only (plain, as the webhook); the backend itself answers 404 to a request the public server
forwarded (HTTPS, said by a trusted proxy), and serves the private listener's."""

import importlib
import ipaddress
import re

import pytest
from django.test import Client

from tests.harness.livestack import ROOT

pytestmark = pytest.mark.django_db


def server_blocks(text: str) -> list[str]:
    """The top-level ``server { ... }`` blocks of an nginx file, comments removed."""
    text = re.sub(r"#[^\n]*", "", text)
    blocks, depth, start = [], 0, None
    for match in re.finditer(r"[{}]", text):
        if match.group() == "{":
            if depth == 0:
                start = text.rfind("server", 0, match.start())
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                blocks.append(text[start : match.end()])
    return blocks


def test_the_shipped_nginx_refuses_it_publicly_and_passes_it_on_privately():
    blocks = server_blocks((ROOT / "deploy" / "nginx.conf").read_text())
    (public,) = [b for b in blocks if "server_name connect.example.com" in b and "listen 443 ssl" in b]
    (private,) = [b for b in blocks if "listen 10.0.0.1:8080 ssl" in b]
    assert re.search(r"location \^~ /metrics \{\s*return 404;\s*\}", public)
    assert "proxy_pass" not in re.search(r"location \^~ /metrics \{[^}]*\}", public).group()
    passed_on = re.search(r"location = /metrics \{([^}]*)\}", private).group(1)
    assert "proxy_pass http://whatsapp_http;" in passed_on
    assert 'proxy_set_header X-Forwarded-Proto "";' in passed_on


def test_the_backend_answers_404_to_what_the_public_server_forwards(settings, monkeypatch):
    monkeypatch.setenv("BEHIND_TLS_PROXY", "True")
    production = importlib.import_module("backend.settings.security")
    try:
        production = importlib.reload(production)
        exempt = list(production.SECURE_REDIRECT_EXEMPT)
    finally:
        monkeypatch.delenv("BEHIND_TLS_PROXY")
        importlib.reload(production)
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("127.0.0.1/32")]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = exempt
    proxy = {"X-Forwarded-For": "203.0.113.7", "X-Real-IP": "203.0.113.7"}

    public = Client().get("/metrics", headers={**proxy, "X-Forwarded-Proto": "https"})
    assert public.status_code == 404
    assert b"wa_backend" not in public.content
    private = Client().get("/metrics", headers={**proxy, "X-Forwarded-Proto": ""})
    assert private.status_code == 200  # plain, and not redirected to HTTPS
    assert b"wa_backend_events_total" in private.content
    assert Client().get("/metrics", secure=True).status_code == 404
