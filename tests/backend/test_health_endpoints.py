"""/healthz says the process serves; /readyz also checks the database and the cache."""

import pytest
from django.test import Client


@pytest.mark.django_db
def test_healthz_answers_without_login_and_without_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"live": True}


@pytest.mark.django_db
def test_readyz_checks_the_database_and_the_cache():
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"ready": True, "checks": {"database": "ok", "cache": "ok"}}


@pytest.mark.django_db
def test_readyz_is_503_and_names_the_broken_part(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"].startswith("error")
    assert response.json()["checks"]["database"] == "ok"


def test_health_only_answers_get():
    assert Client().post("/healthz").status_code == 405
