"""IdleTimeoutMiddleware hands the views the user object itself, loaded,
not Django's and django_otp's lazy wrappers around it (each attribute
through them cost several calls): the same person, the same second-factor
state, and a visitor or a logged-out session stay what they were."""

import functools

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory
from django.utils.functional import LazyObject, SimpleLazyObject

from aquatiris_portal import access
from aquatiris_portal.accounts.middleware import IdleTimeoutMiddleware, loaded_user
from tests import factories

pytestmark = pytest.mark.django_db


def _otp_wrapped(user, verified):
    """request.user as AuthenticationMiddleware then OTPMiddleware leave it."""
    loads = []

    def load():
        loads.append(1)
        return user

    inner = SimpleLazyObject(load)

    def verify():
        inner.is_verified = functools.partial(lambda: verified)
        return inner

    return SimpleLazyObject(verify), loads


def _through_middleware(request):
    seen = {}

    def view(request):
        seen["user"] = request.user
        return None

    IdleTimeoutMiddleware(view)(request)
    return seen["user"]


def test_the_view_gets_the_loaded_person_with_their_second_factor_state():
    person = factories.client_user()
    for verified in (True, False):
        request = RequestFactory().get("/espace-client/")
        request.session = SessionStore()
        request.session[SESSION_KEY] = str(person.pk)
        request.user, loads = _otp_wrapped(person, verified)
        user = _through_middleware(request)
        assert not isinstance(user, LazyObject)
        assert user == person and user.pk == person.pk and len(loads) == 1
        assert access.is_verified(user) is verified
        assert access.client_for(user) == factories.client_of(person)


def test_a_visitor_is_left_as_it_was():
    request = RequestFactory().get("/")
    request.session = SessionStore()
    lazy = SimpleLazyObject(AnonymousUser)
    request.user = lazy
    assert _through_middleware(request) is lazy  # no session login: nothing loaded


def test_loaded_user_unwraps_any_depth_once():
    person = factories.user()
    wrapped = SimpleLazyObject(lambda: SimpleLazyObject(lambda: SimpleLazyObject(lambda: person)))
    assert loaded_user(wrapped) is person
    assert loaded_user(person) is person
