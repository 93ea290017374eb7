"""The portal's header, the idle warning and « Espace de … » are written in
Python (templatetags/portal_shell.py, portal_session.py, portal_memberships.py):
they give, character for character, what the templates they replaced gave
(frozen below) for any email, name, tab, link set, token and language, and
escape what people type."""

# ruff: noqa: E501  (the frozen templates keep their long lines)

from types import SimpleNamespace
from unittest import mock

from django.template import Context, Engine
from django.test import override_settings
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from aquatiris_portal import access
from aquatiris_portal.templatetags import portal_memberships, portal_session, portal_shell

# The templates as they were before they were written in Python.
OLD_TEMPLATES = {
    "aquatiris_portal/client_space/_shell.html": """{% load i18n static %}{# The client space's header on every page a client reaches (layout.html, templatetags/portal_shell.py): one navigation, the space's menu and the account links, behind one "Menu" button on a phone (menu.js). #}
<div class="aqp-space aqp-shell">
  <div class="aqp-menu" data-aqp-menu>
  <button type="button" class="aqp-menu__toggle aqp-button aqp-button--secondary" aria-expanded="false" aria-controls="aqp-menu-panel" hidden><span aria-hidden="true">☰ </span>{% translate "Menu" %}</button>
  <div class="aqp-menu__panel" id="aqp-menu-panel">
  <nav class="aqp-space-nav" aria-label="{% translate 'Client space' %}" data-aqp-shell="client">
    <ul>
      <li><a href="{{ shell.links.dashboard }}"{% if shell.current == "dashboard" %} aria-current="page"{% endif %}>{% translate "My installations" %}</a></li>
      <li><a href="{{ shell.links.contact }}"{% if shell.current == "contact" %} aria-current="page"{% endif %}>{% translate "Contact my franchisee" %}</a></li>
      <li><a href="{{ shell.links.requests }}"{% if shell.current == "requests" %} aria-current="page"{% endif %}>{% translate "My requests" %}</a></li>
      <li><a href="{{ shell.links.maintenance }}"{% if shell.current == "maintenance" %} aria-current="page"{% endif %}>{% translate "Maintenance" %}</a></li>
      <li><a href="{{ shell.links.maintenance_contract }}"{% if shell.current == "maintenance_contract" %} aria-current="page"{% endif %}>{% translate "Maintenance contract" %}</a></li>
      <li><a href="{{ shell.links.news }}"{% if shell.current == "news" %} aria-current="page"{% endif %}>{% translate "News and advice" %}</a></li>
      {% if shell.links.faq %}<li><a href="{{ shell.links.faq }}"{% if shell.current == "faq" %} aria-current="page"{% endif %}>{% translate "Frequently asked questions" %}</a></li>{% endif %}
    </ul>
  </nav>
  {% include "aquatiris_portal/accounts/account_bar.html" with current=shell.current %}
  </div>
  </div>
</div>
<script src="{% static 'aquatiris_portal/menu.js' %}" defer></script>
""",
    "aquatiris_portal/accounts/account_bar.html": """{% load i18n portal_people %}{% if request.user.is_authenticated %}
<nav class="aqp-account-bar" aria-label="{% translate 'My account' %}">
  <span class="aqp-account-bar__who">{% blocktranslate with email=request.user.email|default:request.user.get_username %}Logged in as {{ email }}{% endblocktranslate %}</span>
  <a href="{% url 'aquatiris_portal:password_change' %}"{% if current == "password" %} aria-current="page"{% endif %}>{% translate "Change my password" %}</a>
  <a href="{% url 'aquatiris_portal:notification_preferences' %}"{% if current == "notifications" %} aria-current="page"{% endif %}>{% translate "Email notifications" %}</a>
  {% people_kinds as kinds %}{% for kind in kinds %}<a href="{% url 'aquatiris_portal:people' kind %}"{% if current == "people" %} aria-current="page"{% endif %}>{% if kinds|length > 1 and kind == "spanc" %}{% translate "People of the pro space" %}{% else %}{% translate "People" %}{% endif %}</a>{% endfor %}
  {% if shell.links.document_accesses %}<a href="{{ shell.links.document_accesses }}"{% if current == "document_accesses" %} aria-current="page"{% endif %}>{% translate "Who read my documents" %}</a>{% endif %}
  <form method="post" action="{% url 'aquatiris_portal:logout' %}" class="aqp-account-bar__logout">
    {% csrf_token %}
    <button type="submit" class="aqp-button aqp-button--link">{% translate "Log out" %}</button>
  </form>
</nav>
{% endif %}
""",
    "aquatiris_portal/accounts/_idle_warning.html": """{% load i18n static %}{% if shown %}
<dialog class="aqp-idle" data-aqp-idle data-idle-seconds="{{ idle_seconds }}" data-warn-seconds="{{ warn_seconds }}" data-keepalive-url="{% url 'aquatiris_portal:keep_alive' %}" aria-labelledby="aqp-idle-heading" aria-describedby="aqp-idle-text">
  <h2 id="aqp-idle-heading">{% translate "Are you still there?" %}</h2>
  <p id="aqp-idle-text">{% blocktranslate count counter=minutes %}For your security, you will be logged out in {{ counter }} minute without activity.{% plural %}For your security, you will be logged out in {{ counter }} minutes without activity.{% endblocktranslate %}</p>
  <p class="aqp-idle__buttons">
    <button type="button" class="aqp-button aqp-button--primary" data-aqp-idle-stay>{% translate "Stay logged in" %}</button>
  </p>
  <p class="aqp-idle__error" data-aqp-idle-ended hidden>{% translate "Your session has ended. The page will reload: please log in again." %}</p>
</dialog>
<script src="{% static 'aquatiris_portal/idle.js' %}" defer></script>
{% endif %}
""",
    "aquatiris_portal/accounts/_space_of.html": """{% load i18n %}{% if name %}
<p class="aqp-space-of">{% blocktranslate %}Space of {{ name }}{% endblocktranslate %}{% if several %} · <a href="{% url 'aquatiris_portal:choose_space' %}">{% translate "Change space" %}</a>{% endif %}</p>
{% endif %}
""",
}
ENGINE = Engine(
    loaders=[("django.template.loaders.locmem.Loader", OLD_TEMPLATES)],
    libraries={
        "i18n": "django.templatetags.i18n",
        "static": "django.templatetags.static",
        "portal_people": "aquatiris_portal.templatetags.portal_people",
    },
)
TABS = [tab for tab, _ in portal_shell.NAV_LABELS] + ["document_accesses", "password", "notifications", "people", ""]
HOSTILE = ["<script>alert(1)</script>", "N'Diaye & fils", '« Dupont » "quoted"', "a@b.example"]
text = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=30))
links = st.fixed_dictionaries(
    {tab: st.sampled_from([f"/espace-client/{tab}/", "/x?a=1&b=<2>"]) for tab in portal_shell.SPACE_TABS},
    optional={"faq": st.sampled_from(["", "/faq/", '/f?q="&'])},
)


def _old(template_name, **context):
    return ENGINE.get_template(template_name).render(Context(context, autoescape=True))


def _user(email, username):
    return SimpleNamespace(is_authenticated=True, email=email, get_username=lambda: username)


@settings(max_examples=150, deadline=None)
@given(
    email=text,
    username=text,
    current=st.sampled_from(TABS),
    links=links,
    kinds=st.sets(st.sampled_from(access.KINDS)),
    token=st.sampled_from([None, "", "tok<en>&1"]),  # "NOTPROVIDED": the old tag raised (Django 6)
    language=st.sampled_from(["fr", "en"]),
    client=st.booleans(),
)
def test_the_header_is_what_the_templates_gave(email, username, current, links, kinds, token, language, client):
    user = _user(email, username)
    context = Context({"request": SimpleNamespace(user=user), "csrf_token": token, "current": current})
    shell = {"links": links, "current": current}
    with translation.override(language), mock.patch.object(access, "may_manage_people", lambda u, kind: kind in kinds):
        if client:
            old = _old("aquatiris_portal/client_space/_shell.html", **context.flatten(), shell=shell)
            new = portal_shell.client_shell_html(context, user, shell)
        else:
            old = _old("aquatiris_portal/accounts/account_bar.html", **context.flatten())
            new = portal_shell.account_bar_html(context, user, current)
    assert new == old


def test_a_visitor_gets_no_account_links():
    visitor = SimpleNamespace(is_authenticated=False)
    assert portal_shell.account_bar_html(Context({"request": SimpleNamespace(user=visitor)}), visitor) == ""
    assert _old("aquatiris_portal/accounts/account_bar.html", request=SimpleNamespace(user=visitor)).strip() == ""


def test_what_people_type_is_escaped_in_the_header():
    user = _user("<script>alert(1)</script>@x.example", "u")
    links = dict.fromkeys(portal_shell.SPACE_TABS, "/e/") | {"faq": '/f?a="1"&b'}
    with translation.override("fr"):
        html = portal_shell.client_shell_html(Context({"csrf_token": 'a"b'}), user, {"links": links, "current": ""})
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;@x.example" in html
    assert 'href="/f?a=&quot;1&quot;&amp;b"' in html and 'value="a&quot;b"' in html
    assert "Connecté en tant que" in html


@settings(max_examples=60, deadline=None)
@given(idle=st.sampled_from([0, 1, 59, 60, 61, 119, 120, 121, 1800, 86400]), language=st.sampled_from(["fr", "en"]))
def test_the_idle_warning_is_what_its_template_gave(idle, language):
    request = SimpleNamespace(user=_user("a@b.example", "a"))
    with override_settings(AQUATIRIS_PORTAL_SESSION_IDLE_SECONDS=idle), translation.override(language):
        old = _old("aquatiris_portal/accounts/_idle_warning.html", **portal_session.idle_warning_values(request))
        new = portal_session.portal_idle_warning(Context({"request": request}))
    assert new == (old if old.strip() else "")  # nothing rather than a blank line
    assert ("data-aqp-idle" in new) == bool(idle)


@settings(max_examples=100, deadline=None)
@given(name=st.one_of(st.none(), text), several=st.booleans(), language=st.sampled_from(["fr", "en"]))
def test_space_of_is_what_its_template_gave(name, several, language):
    values = {"name": name, "kind": "client", "several": several}
    with translation.override(language), mock.patch.object(portal_memberships, "space_of_values", lambda r, k: values):
        old = _old("aquatiris_portal/accounts/_space_of.html", **values)
        new = portal_memberships.space_of(Context({"request": None}), "client")
    assert new == (old if old.strip() else "")
    if name:
        assert "<script>" not in new or "<script>" not in name
