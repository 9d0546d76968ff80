"""deploy/nginx.conf as shipped, run by Debian's nginx on loopback in front of the live stack (its site values
replaced by loopback ones: the name, the certificate, the ports, the private address and network):

- the public server (HTTPS) does not serve the webhook, whatever a client claims in X-Forwarded-For;
- the private listener is TLS only, with a certificate of the operator's own CA that the worker trusts
  (BACKEND_CA_FILE): the worker's events and auth states go through it;
- through the private listener, unsigned requests of another host are counted on that host's real address (the
  proxy is a TRUSTED_PROXIES entry): over WEBHOOK_UNVERIFIED_RATE it gets 429, while the real session worker,
  whose events come through the same listener, never gets a 429 and its account gets its QR;
- HTTPS through the proxy: HSTS and Secure cookies reach the browser; plain HTTP is redirected."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess

import pytest
import requests
import urllib3
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.harness.livestack import ROOT, free_port
from tests.harness.pool import keep_logs
from tests.reliability.stack import ReliabilityStack, wait_until
from tests.worker.tls import make_ca

pytestmark = pytest.mark.slow

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
OUTSIDER = "127.0.0.2"  # another host, on the workers' network (loopback stands for it)
WEBHOOK = "/api/v1/whatsapp/webhook"
TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def self_signed(folder) -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))  # fmt: skip
    return str(cert_path), str(key_path)


def site_conf(
    *, ports: dict[str, int], backend_port: int, cert: str, key: str, private_cert: str, private_key: str
) -> str:
    """The shipped file with its site values replaced; each must be found as many times as the file has it."""
    text = (ROOT / "deploy" / "nginx.conf").read_text()
    replacements = [
        ("listen 443 ssl", f"listen 127.0.0.1:{ports['https']} ssl", 2),
        ("listen 80", f"listen 127.0.0.1:{ports['http']}", 2),
        ("server_name connect.example.com", "server_name localhost", 2),
        ("/etc/ssl/certs/connect.example.com.pem", cert, 1),
        ("/etc/ssl/private/connect.example.com.key", key, 1),
        ("server 127.0.0.1:8000;", f"server 127.0.0.1:{backend_port};", 1),
        ("server 127.0.0.1:8010;", f"server 127.0.0.1:{backend_port};", 1),  # daphne serves HTTP and /ws/ here
        ("listen 10.0.0.1:8080 ssl", f"listen 127.0.0.1:{ports['private']} ssl", 1),
        ("/etc/whatsapp-connect/private-listener.pem", private_cert, 1),
        ("/etc/whatsapp-connect/private-listener.key", private_key, 1),
        ("allow 10.0.0.0/8", "allow 127.0.0.0/8", 1),
    ]
    for old, new, count in replacements:
        assert text.count(old) == count, f"deploy/nginx.conf no longer has {old!r} {count} times"
        text = text.replace(old, new)
    return text


class Nginx:
    def __init__(self, folder, site: str) -> None:
        self.folder = folder
        folder.mkdir()
        (folder / "site.conf").write_text(site)
        (folder / "nginx.conf").write_text(
            f"daemon off;\nuser root;\npid {folder}/nginx.pid;\nerror_log {folder}/error.log info;\n"
            f"events {{}}\nhttp {{\n  access_log {folder}/access.log;\n"
            + "".join(f"  {kind}_temp_path {folder}/{kind};\n" for kind in TEMP_PATHS)
            + f"  include {folder}/site.conf;\n}}\n"
        )  # fmt: skip
        subprocess.run(
            [NGINX, "-t", "-p", str(folder), "-c", str(folder / "nginx.conf")], check=True, capture_output=True
        )
        self.process = subprocess.Popen([NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf")])

    def access_log(self) -> str:
        path = self.folder / "access.log"
        return path.read_text() if path.exists() else ""

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(20)


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nginx-stack")
    ca = make_ca(folder)
    ports = {name: free_port() for name in ("https", "http", "private")}
    stack = ReliabilityStack(
        folder / "stack",
        backend_env={
            "TRUSTED_PROXIES": "127.0.0.1/32",
            "BEHIND_TLS_PROXY": "True",
            "ALLOWED_HOSTS": "localhost,127.0.0.1",
            "WEBHOOK_UNVERIFIED_RATE": "3/hour",
        },
        worker_env={
            "BACKEND_WEBHOOK_URL": f"https://127.0.0.1:{ports['private']}{WEBHOOK}",
            "BACKEND_CA_FILE": str(ca.ca_file),  # the operator's private CA signed the private listener's certificate
        },
    )
    cert, key = self_signed(folder)
    nginx = None
    try:
        with stack:
            nginx = Nginx(
                folder / "nginx",
                site_conf(
                    ports=ports,
                    backend_port=stack.ports["backend"],
                    cert=cert,
                    key=key,
                    private_cert=str(folder / "server.pem"),
                    private_key=str(folder / "server.key"),
                ),
            )
            public = f"https://localhost:{ports['https']}"
            wait_until(
                lambda: requests.get(f"{public}/healthz", verify=cert, timeout=5).ok,
                within=30,
                what="nginx",
                transient=(requests.RequestException,),
            )
            yield (
                stack,
                nginx,
                public,
                f"https://127.0.0.1:{ports['private']}",
                f"http://localhost:{ports['http']}",
                cert,
                str(ca.ca_file),
            )
    finally:
        if nginx is not None:
            nginx.stop()
            shutil.copy(folder / "nginx" / "access.log", stack.folder / "nginx-access.log")
        keep_logs(stack, "reliability/stack-logs/test_webhook_stays_private_behind_the_shipped_nginx")


def outsider_post(url: str, cert: str | None = None) -> int:
    """An unsigned webhook post from another host, claiming to be the local worker."""
    pool = urllib3.PoolManager(source_address=(OUTSIDER, 0), ca_certs=cert, cert_reqs="CERT_REQUIRED" if cert else None)
    forged = {"X-Forwarded-For": "127.0.0.1", "X-Real-IP": "127.0.0.1", "Content-Type": "application/json"}
    return pool.request("POST", url, body=b'{"type": "qr_code_generated"}', headers=forged, retries=False).status


def test_the_public_server_does_not_serve_the_webhook(proxied):
    stack, _nginx, public, _private, _http, cert, _ca = proxied
    for path in (WEBHOOK, "/api//v1/whatsapp/webhook", "/api/v1/whatsapp/%77ebhook", "/api/v1/whatsapp/webhook/"):
        assert outsider_post(public + path, cert) == 404, path
    assert "webhook from" not in stack.processes["backend"].log()  # nothing of it reached the backend


def test_unsigned_requests_from_another_host_do_not_delay_the_real_worker(proxied):
    stack, nginx, public, private, _http, cert, ca = proxied
    assert [outsider_post(private + WEBHOOK, ca) for _ in range(5)] == [401, 401, 401, 429, 429]
    # counted on the outsider's own address, not on the proxy's (which the local worker shares)
    assert requests.post(private + WEBHOOK, data=b"{}", verify=ca, timeout=20).status_code == 401
    # TLS only: the auth states never cross the private network in clear
    plain = requests.post(private.replace("https://", "http://") + WEBHOOK, data=b"{}", timeout=20)
    assert plain.status_code == 400 and "HTTPS port" in plain.text

    people = stack.make_people({"nina": "Nginx workspace"})
    token, workspace_id = people["nina"].token, people["nina"].workspace_id
    created = requests.post(f"{public}/api/v1/workspaces/{workspace_id}/accounts",
                            headers={"Authorization": f"Token {token}"}, verify=cert, timeout=20)  # fmt: skip
    assert created.status_code == 201, created.text

    def qr() -> str | None:
        account = requests.get(f"{public}/api/v1/accounts/{created.json()['id']}",
                               headers={"Authorization": f"Token {token}"}, verify=cert, timeout=20).json()  # fmt: skip
        return account["qr"]

    assert wait_until(qr, within=60, what="the QR, delivered by the worker through the private listener")
    worker_lines = [
        line for line in nginx.access_log().splitlines() if line.startswith("127.0.0.1 ") and WEBHOOK in line
    ]
    assert worker_lines, "the worker's events did not come through the private listener"
    assert not [line for line in worker_lines if re.search(r'" 429 ', line)]
    assert [line.split()[0] for line in nginx.access_log().splitlines() if '" 429 ' in line] == [OUTSIDER, OUTSIDER]


def test_https_through_the_proxy_sends_hsts_and_secure_cookies(proxied):
    stack, _nginx, public, _private, http, cert, _ca = proxied
    page = requests.get(f"{public}/accounts/login/", verify=cert, timeout=20)
    assert page.status_code == 200
    assert page.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "secure" in page.headers["Set-Cookie"].lower()  # the CSRF cookie
    assert "Content-Security-Policy" in page.headers

    redirect = requests.get(f"{http}/accounts/login/", allow_redirects=False, timeout=20)
    assert redirect.status_code == 301
    assert redirect.headers["Location"].startswith("https://localhost")
    direct = requests.get(f"{stack.backend_url}/accounts/login/", allow_redirects=False, timeout=20)
    assert (direct.status_code, direct.headers["Location"]) == (
        301,
        f"https://127.0.0.1:{stack.ports['backend']}/accounts/login/",
    )
