"""The session engine (fangkong/core/sessions.py): Django's database sessions with a fixed SELECT."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fangkong.core.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_sessions_written_by_either_engine_load_in_the_other() -> None:
    theirs = DjangoStore()
    theirs["_auth_user_id"] = "7"
    theirs.create()
    theirs.save()
    ours = SessionStore(theirs.session_key)
    with CaptureQueriesContext(connection) as queries:
        assert ours.load() == {"_auth_user_id": "7"}
    assert len(queries) == 1 and "expire_date >" in queries[0]["sql"]
    ours["step"] = 2
    ours.save()
    assert DjangoStore(theirs.session_key).load() == {"_auth_user_id": "7", "step": 2}


def test_expired_unknown_and_tampered_sessions_load_empty_and_drop_the_key() -> None:
    store = SessionStore()
    store["a"] = 1
    store.create()
    store.save()
    Session.objects.filter(session_key=store.session_key).update(expire_date=timezone.now() - timedelta(seconds=1))
    expired = SessionStore(store.session_key)
    assert expired.load() == {} and expired.session_key is None
    unknown = SessionStore("x" * 32)
    assert unknown.load() == {} and unknown.session_key is None
    assert SessionStore(None).load() == {}
    fresh = SessionStore()
    fresh["a"] = 1
    fresh.create()
    fresh.save()
    Session.objects.filter(session_key=fresh.session_key).update(session_data="tampered:data")
    assert SessionStore(fresh.session_key).load() == {}


def test_a_signed_in_client_uses_it(client, worker) -> None:  # type: ignore[no-untyped-def]
    client.force_login(worker)
    assert client.session.__class__ is SessionStore
    assert client.get("/office/inbox/").status_code == 200
