"""On PostgreSQL (the production database) the import's look-ups by
external id find exactly the ids asked, whatever characters they hold."""

import pytest
from django.db import transaction

pytestmark = pytest.mark.integration


@pytest.mark.django_db
def test_look_up_by_external_id_finds_exactly_the_ids_asked_whatever_they_hold(postgres):
    """The ids go to PostgreSQL as one JSON array (``rows.by_unique_column``):
    quotes, backslashes, commas, braces, accents, emoji and JSON escapes
    come back as typed; an id with a NUL (no PostgreSQL text holds one)
    matches nothing and breaks nothing."""
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hypothesis_settings
    from hypothesis import strategies as st

    from aquatiris_portal.records.models import Franchisee
    from aquatiris_portal.sync.rows import by_external_id

    texts = st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]) | st.sampled_from("\"\\,{}[] 'é😀"),
        min_size=1,
        max_size=12,
    )

    @hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(stored=st.lists(texts.filter(lambda t: "\x00" not in t), max_size=6, unique=True), asked=st.lists(texts))
    def check(stored, asked):
        with transaction.atomic():
            Franchisee.objects.bulk_create([Franchisee(external_id=rid, company="F") for rid in stored])
            found = {row[0] for row in by_external_id(Franchisee, [*asked, *stored[:2]], ["external_id"])}
            assert found == ({*asked, *stored[:2]} & set(stored))
            transaction.set_rollback(True)

    check()
