"""The auth backend (fangkong/core/auth_backends.py): Django's ModelBackend with a fixed-SQL user load."""

from __future__ import annotations

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, authenticate
from django.contrib.auth.signals import user_login_failed
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fangkong.core.auth_backends import FastModelBackend

pytestmark = pytest.mark.django_db


def test_get_user_is_the_same_user_in_one_fixed_query(worker) -> None:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        user = FastModelBackend().get_user(worker.pk)
    assert len(queries) == 1
    assert user == worker
    assert (user.username, user.password, user.role, user.committee_id, user.is_active) == (
        worker.username, worker.password, worker.role, worker.committee_id, True)
    assert user.get_session_auth_hash() == worker.get_session_auth_hash()
    assert FastModelBackend().get_user(10**9) is None
    worker.is_active = False
    worker.save()
    assert FastModelBackend().get_user(worker.pk) is None


def test_sign_in_records_this_backend_and_old_sessions_still_work(client, worker) -> None:  # type: ignore[no-untyped-def]
    assert client.post("/accounts/login/", {"username": worker.username, "password": "pw-" + worker.username}).status_code == 302
    assert client.session[BACKEND_SESSION_KEY] == "fangkong.core.auth_backends.FastModelBackend"
    assert client.get("/office/inbox/").status_code == 200
    client.logout()
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")  # a session from before
    assert client.get("/office/inbox/").status_code == 200


def test_a_changed_password_still_signs_the_session_out(client, worker) -> None:  # type: ignore[no-untyped-def]
    client.force_login(worker)
    worker.set_password("another-pw-123")
    worker.save()
    assert client.get("/office/inbox/").status_code == 302  # to the login page


def test_a_wrong_password_is_checked_once(worker) -> None:  # type: ignore[no-untyped-def]
    failed: list[dict] = []
    checks: list[str] = []

    def on_failed(sender, credentials, **kwargs):  # type: ignore[no-untyped-def]
        failed.append(credentials)

    real = type(worker).check_password

    def counting(self, raw):  # type: ignore[no-untyped-def]
        checks.append(raw)
        return real(self, raw)

    user_login_failed.connect(on_failed)
    type(worker).check_password = counting  # type: ignore[method-assign]
    try:
        assert authenticate(username=worker.username, password="wrong") is None
        assert authenticate(username=worker.username, password="pw-" + worker.username) == worker
    finally:
        type(worker).check_password = real  # type: ignore[method-assign]
        user_login_failed.disconnect(on_failed)
    assert checks == ["wrong", "pw-" + worker.username] and len(failed) == 1
