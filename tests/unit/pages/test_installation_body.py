# ruff: noqa: E501  the old template's lines, kept as they were
"""The installation screen's body, written in Python
(pages/installation_body.py, ``{% installation_body %}``): for any
installation (stage, contract, its end and rhythm, serial number, dates,
an address as people type it), maintenance due or not, with and without
visits done and documents, in French and English, the markup is what
client_space/installation.html wrote, and whatever the record holds is
escaped."""

import datetime
import re

from django.template import engines
from django.utils import translation
from django.utils.safestring import mark_safe
from hypothesis import given, settings
from hypothesis import strategies as st

from aquatiris_portal.pages import installation_body
from aquatiris_portal.records.models import STAGE_ORDER, Installation

# The body of client_space/installation.html as it was when it moved to Python;
# the dossier card (tested by test_installation_dossier_card.py) comes as {{ dossier_html }}.
TEMPLATE = """{% load i18n portal_text %}
<section class="aqp-progress" aria-labelledby="progress-heading">
  <h2 id="progress-heading">{% translate "Progress of your project" %}</h2>
  <ol class="aqp-steps">
    {{ progress_html }}
  </ol>
</section>

<div class="aqp-columns">
  <section class="aqp-card" aria-labelledby="details-heading">
    <h2 id="details-heading">{% translate "Details" %}</h2>
    <dl class="aqp-facts">
      <div><dt>{% translate "Reference" %}</dt><dd>{{ installation.reference }}</dd></div>
      <div><dt>{% translate "Address" %}</dt><dd>{{ installation.full_address|linebreaksbr }}</dd></div>
      <div><dt>{% translate "Installed on" %}</dt><dd>{% if installation.installed_on %}{{ installation.installed_on|portal_date }}{% else %}{% translate "not yet" %}{% endif %}</dd></div>
      <div><dt>{% translate "Serial number" %}</dt><dd>{% if installation.serial_number %}{{ installation.serial_number }}{% elif installation.is_built %}<a href="{{ installation_links.warranty }}">{% translate "Register it to extend your warranty" %}</a>{% else %}{% translate "Can be extended once your installation is built" %}{% endif %}</dd></div>
    </dl>
  </section>
  <section class="aqp-card" aria-labelledby="franchisee-heading">
    <h2 id="franchisee-heading">{% translate "The franchisee following your project" %}</h2>
    {{ franchisee_html }}
    <p><a class="aqp-button aqp-button--secondary" href="{{ installation_links.contact }}">{% translate "Write to my franchisee" %}</a></p>
  </section>
</div>

<div class="aqp-columns">
  <section class="aqp-card" aria-labelledby="next-visit-heading">
    <h2 id="next-visit-heading">{% translate "Next visit" %}</h2>
    {{ next_visit_html }}
  </section>
  <section class="aqp-card" aria-labelledby="contract-heading">
    <h2 id="contract-heading">{% translate "Maintenance contract" %}</h2>
    {% if installation.has_active_contract %}
    <p>{% if installation.maintenance_contract_until %}{% blocktranslate with date=installation.maintenance_contract_until|portal_date %}Active until {{ date }}{% endblocktranslate %}{% else %}{% translate "Active" %}{% endif %}{% if installation.maintenance_contract_every_months %} — {% blocktranslate count counter=installation.maintenance_contract_every_months %}a visit every month{% plural %}a visit every {{ counter }} months{% endblocktranslate %}{% endif %}</p>
    {% if maintenance_due %}<p class="aqp-alert aqp-maintenance-due" role="status"><strong>{% translate "Maintenance is due." %}</strong> {% translate "No maintenance was done for longer than your contract provides: ask your franchisee for a visit." %} <a href="{{ installation_links.contact }}">{% translate "Ask for a maintenance visit" %}</a></p>{% endif %}
    {% else %}
    <p>{% translate "No maintenance contract." %}</p>
    {% if installation.is_past_quote %}<p><a class="aqp-button aqp-button--secondary" href="{{ installation_links.maintenance_contract }}">{% translate "Ask for a maintenance contract" %}</a></p>{% endif %}
    {% endif %}
  </section>
</div>

<section aria-labelledby="log-heading" class="aqp-maintenance-log">
  <h2 id="log-heading">{% translate "Maintenance log" %}</h2>
  {% if maintenance_log_html %}
  <ol class="aqp-log">
    {{ maintenance_log_html }}
  </ol>
  {% else %}
  <p>{% translate "No visit done yet." %}</p>
  {% endif %}
</section>

{{ dossier_html }}

<section aria-labelledby="themes-heading">
  <h2 id="themes-heading">{% translate "Documents" %}</h2>
  {% if themes_html %}
  <ul class="aqp-theme-summary">
    {{ themes_html }}
  </ul>
  <p><a class="aqp-button aqp-button--primary" href="{{ installation_links.documents }}">{% translate "See all documents" %}</a></p>
  {% else %}
  <p>{% translate "No document yet: they will appear here as your project goes on." %}</p>
  {% endif %}
</section>"""

HOSTILE = "<script>alert(1)</script> « N'Diaye & fils »"
typed = st.sampled_from(["", "AQ-2019-0001", HOSTILE, "Ligne 1\nLigne 2 & <b>"])
days = st.one_of(st.none(), st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2099, 12, 31)))
installations = st.builds(
    Installation,
    pk=st.integers(min_value=1, max_value=2**31),
    reference=typed,
    address_line1=typed,
    address_line2=typed,
    postcode=st.sampled_from(["", "35000"]),
    city=typed,
    stage=st.sampled_from(STAGE_ORDER),
    installed_on=days,
    serial_number=typed,
    maintenance_contract_status=st.sampled_from(["active", "ended", "none"]),
    maintenance_contract_until=days,
    maintenance_contract_every_months=st.one_of(st.none(), st.integers(min_value=0, max_value=36)),
)
LINKS = {
    "warranty": "/espace-client/installations/7/garantie/",
    "contact": "/espace-client/contact/?installation=7&x=<b>",
    "maintenance_contract": "/espace-client/contrat-entretien/?installation=7",
    "documents": "/espace-client/installations/7/documents/",
}


def one_line(html):
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()


@settings(max_examples=150, deadline=None)
@given(
    installation=installations,
    due=st.booleans(),
    log=st.sampled_from(["", mark_safe("<li>visite</li>")]),
    themes=st.sampled_from(["", mark_safe("<li>thème</li>")]),
    language=st.sampled_from(["fr", "en"]),
)
def test_the_body_is_what_the_template_wrote(installation, due, log, themes, language):
    context = {
        "installation": installation,
        "installation_links": LINKS,
        "maintenance_due": due,
        "maintenance_log_html": log,
        "themes_html": themes,
        "progress_html": mark_safe("<li>étape</li>"),
        "franchisee_html": mark_safe("<p>franchisé</p>"),
        "next_visit_html": mark_safe("<p>visite</p>"),
    }
    dossier = mark_safe('<section class="aqp-dossier"></section>')
    with translation.override(language):
        expected = engines["django"].from_string(TEMPLATE).render({**context, "dossier_html": dossier})
        written = installation_body.body_html(context, dossier)
    assert one_line(written) == one_line(expected)
    assert "<script>" not in written and "<b>" not in written
