"""The folder list's filter options written in Python
(pro_space_list_page.filter_options): the options the form always had, the
current one selected, labels escaped, in the request's language."""

from django.utils import translation

from aquatiris_portal.pages import pro_space_folders as folders_
from aquatiris_portal.pages.pro_space_list_page import filter_options


def _options(**chosen):
    values = {"overdue_months": None, "stage": "", "proof": "", **chosen}
    return filter_options(
        overdue_choices=[12, 24],
        stage_choices=[("service", "En service"), ("<x>", "L'étude & « devis »"), ("", "Tous")],
        proof_choices=[("", "Tous"), ("requested", "justificatif demandé")],
        **values,
    )


def test_the_options_are_the_forms_with_the_current_one_selected_and_labels_escaped():
    with translation.override("fr"):
        options = _options(overdue_months=24, stage="<x>", proof="requested")
    assert options["overdue"] == (
        '<option value="12">Aucun entretien depuis plus de 12 mois</option>'
        '<option value="24" selected>Aucun entretien depuis plus de 24 mois</option>'
    )
    assert options["stage"] == (
        '<option value="service">En service</option>'
        '<option value="&lt;x&gt;" selected>L&#x27;étude &amp; « devis »</option>'
        '<option value="">Tous</option>'
    )
    assert options["proof"] == (
        '<option value="">Tous</option><option value="requested" selected>justificatif demandé</option>'
    )


def test_without_a_choice_the_all_option_is_selected_and_english_follows_the_request():
    with translation.override("en"):
        options = _options()
    assert '<option value="" selected>Tous</option>' in options["stage"]
    assert '<option value="12">No maintenance for more than 12 months</option>' in options["overdue"]
    assert " selected" not in options["overdue"]


def test_the_real_choices_render():
    with translation.override("fr"):
        options = filter_options(
            overdue_choices=folders_.overdue_choices(),
            overdue_months=None,
            stage_choices=folders_.stage_choices(None),
            stage="",
            proof_choices=folders_.proof_choices(),
            proof="",
        )
    assert options["stage"].count("<option") == len(folders_.stage_choices(None))
    assert '<option value="" selected>Tous</option>' in options["proof"]
