"""OAuthState: consumed exactly once, even by concurrent callbacks; expired rows are purged."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import InvalidState, OAuthState, Session
from tests.conftest import run_together
from tests.factories import anonymous_session

BROWSER = "b" * 32


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("run", range(5))
def test_two_threads_consuming_one_state_at_once_succeed_exactly_once(run):
    state = OAuthState.objects.issue(browser=BROWSER, purpose=OAuthState.Purpose.LOGIN)

    def consume():
        try:
            OAuthState.objects.consume(state.state, purpose="login", browser=BROWSER)
        except InvalidState:
            return "refused"
        return "consumed"

    assert sorted(run_together(2, consume)) == ["consumed", "refused"]
    assert not OAuthState.objects.exists()


@pytest.mark.django_db
def test_it_returns_the_state_with_its_verifier_and_next_path():
    issued = OAuthState.objects.issue(browser=BROWSER, purpose="login", next_path="/dashboard/")
    consumed = OAuthState.objects.consume(issued.state, purpose="login", browser=BROWSER)
    assert (consumed.code_verifier, consumed.next_path) == (issued.code_verifier, "/dashboard/")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value", [None, "", "short", "A" * 44, "A" * 42 + "!", "\x00" * 43, ["list"], "é" * 43]
)
def test_it_refuses_malformed_values_without_a_query(value, django_assert_num_queries):
    with django_assert_num_queries(0), pytest.raises(InvalidState):
        OAuthState.objects.consume(value, purpose="login", browser=BROWSER)


@pytest.mark.django_db
def test_the_purge_command_deletes_expired_states_and_sessions():
    live = OAuthState.objects.issue(browser=BROWSER, purpose="login")
    dead = OAuthState.objects.issue(browser=BROWSER, purpose="login")
    OAuthState.objects.filter(pk=dead.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    anonymous_session("x" * 32, expires_in=-timedelta(days=1))
    anonymous_session("y" * 32, expires_in=timedelta(days=1))
    out = io.StringIO()
    call_command("purge_expired", stdout=out)
    assert list(OAuthState.objects.values_list("pk", flat=True)) == [live.pk]
    assert list(Session.objects.values_list("session_key", flat=True)) == ["y" * 32]
    assert "1 expired OAuth state(s) and 1 session(s)" in out.getvalue()


@pytest.mark.django_db
def test_clearsessions_keeps_working_on_our_session_model():
    anonymous_session("x" * 32, expires_in=-timedelta(days=1))
    call_command("clearsessions")
    assert not Session.objects.exists()
