"""20 wrong passwords at each door that checks one (the admin's login, the site's login, POST /api/v1/auth/token):
after LOGIN_FAILURE_LIMIT failures the account is locked from the guessing address, and so is that address for any
account; the right password is then refused there too, with a message that says why and for how long (429,
Retry-After), until the cool-off passes or an administrator resets it (`axes_reset_username`, `axes_reset_ip`). The
account itself stays open from every other address: an outsider who knows the admin's name cannot lock them out."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from rest_framework.throttling import SimpleRateThrottle

pytestmark = pytest.mark.django_db

PASSWORD = "the-right-password-1"
GUESSER, ELSEWHERE = "203.0.113.66", "198.51.100.10"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # 200 logins in this file


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user(username="stella", password=PASSWORD, is_staff=True, is_superuser=True)


@pytest.fixture
def other(db):
    return get_user_model().objects.create_user(username="omar", password=PASSWORD)


@pytest.fixture(autouse=True)
def _token_throttle_out_of_the_way(monkeypatch, settings):
    """The token door's throttle (test_api_throttles.py) would answer first: this file is about the lockout."""
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "auth_token": "1000/minute"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)


def admin_login(username: str, password: str, address: str):
    return Client(REMOTE_ADDR=address).post(
        "/admin/login/", {"username": username, "password": password, "next": "/admin/"}
    )


def site_login(username: str, password: str, address: str):
    return Client(REMOTE_ADDR=address).post("/accounts/login/", {"username": username, "password": password})


def token_login(username: str, password: str, address: str):
    return Client(REMOTE_ADDR=address).post("/api/v1/auth/token", {"username": username, "password": password})


def assert_locked(response) -> None:
    assert response.status_code == 429
    assert 60 <= int(response["Retry-After"]) <= 15 * 60
    assert "Sign-in is locked for 15 minutes" in response.content.decode()


def guess_twenty_times(login, username: str) -> list[int]:
    return [login(username, f"guess-{n}", GUESSER).status_code for n in range(20)]


@pytest.mark.parametrize(
    ("login", "wrong", "right"),
    [(admin_login, 200, 302), (site_login, 200, 302), (token_login, 400, 200)],
    ids=["admin", "site", "api-token"],
)
def test_the_account_is_locked_from_the_guesser_only_then_unlocked_by_an_admin(login, wrong, right, staff, settings):
    assert guess_twenty_times(login, "stella") == [wrong] * (settings.AXES_FAILURE_LIMIT - 1) + [429] * (
        21 - settings.AXES_FAILURE_LIMIT
    )
    assert_locked(login("stella", PASSWORD, GUESSER))
    assert login("stella", PASSWORD, ELSEWHERE).status_code == right  # the admin, from their own address

    call_command("axes_reset_username", "stella")
    call_command("axes_reset_ip", GUESSER)
    assert login("stella", PASSWORD, GUESSER).status_code == right


@pytest.mark.parametrize("login", [admin_login, site_login, token_login], ids=["admin", "site", "api-token"])
def test_the_guessing_address_is_locked_for_every_account(login, staff, other, settings):
    for n in range(20):
        login(f"someone-{n}", "guess", GUESSER)
    assert_locked(login("omar", PASSWORD, GUESSER))
    assert login("omar", PASSWORD, ELSEWHERE).status_code in (200, 302)  # omar himself is not locked

    call_command("axes_reset_ip", GUESSER)
    assert login("omar", PASSWORD, GUESSER).status_code in (200, 302)


def test_the_api_answers_the_lockout_in_json(staff):
    guess_twenty_times(token_login, "stella")
    response = token_login("stella", PASSWORD, GUESSER)
    assert response.json()["error"] == "locked out"
    assert "An administrator can unlock it sooner" in response.json()["detail"]
