"""« Mes données » carries the person's own « Nouveau » marks, record by
record (accounts/new_marks.py keeps them on each membership): the record's
installations, the previous visit and the start of this one. A household
shares the record, not the marks: another member's times never appear."""

import datetime
import io
import json
import zipfile

import pytest
from django.utils import timezone

from aquatiris_portal.enquiries import archives
from aquatiris_portal.enquiries.archive_models import PersonalArchive
from aquatiris_portal.models import Membership
from tests import factories

pytestmark = pytest.mark.django_db


def _marks(person, record, previous, started):
    Membership.objects.filter(person=person, client=record).update(previous_visit_at=previous, visit_started_at=started)


def _exported(person, record):
    archive = PersonalArchive.objects.create(kind=PersonalArchive.Kind.MY_DATA, requested_by=person, client=record)
    archive = archives.build(archive.pk)
    assert archive.status == PersonalArchive.Status.DONE, archive.error
    with archive.file.open("rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as archive_zip:
        return archive_zip.read("donnees.json").decode()


def test_my_data_holds_my_visit_marks_of_each_record_and_never_my_household_s():
    # Whole seconds: DjangoJSONEncoder writes microseconds to the millisecond.
    now = timezone.now().replace(microsecond=0)
    home, rented, left = factories.client(), factories.client(), factories.client()
    factories.installation(client=home, reference="AQ-HOME-1")
    factories.installation(client=home, reference="AQ-HOME-2")
    factories.installation(client=rented, reference="AQ-RENTED-1")
    factories.installation(client=left, reference="AQ-LEFT-1")
    me = factories.client_user(home)
    partner = factories.member(home)  # my household: same record, marks of their own
    Membership.objects.create(person=me, client=rented, role=Membership.Role.OWNER)
    Membership.objects.create(person=me, client=left, role=Membership.Role.HOUSEHOLD, removed_at=now)
    mine = {
        home.code: (now - datetime.timedelta(days=9, hours=1), now - datetime.timedelta(hours=1)),
        rented.code: (None, now - datetime.timedelta(days=2, hours=1)),
        left.code: (now - datetime.timedelta(days=40, hours=1), now - datetime.timedelta(days=30, hours=1)),
    }
    for record in (home, rented, left):
        _marks(me, record, *mine[record.code])
    theirs = (now - datetime.timedelta(days=5, minutes=7), now - datetime.timedelta(minutes=7))
    _marks(partner, home, *theirs)

    text = _exported(me, home)

    memberships = json.loads(text)["account"]["memberships"]
    as_exported = {
        row["client"]: (row["installations"], row["previous_visit_at"], row["visit_started_at"]) for row in memberships
    }

    def when(moment):
        return moment and moment.isoformat().replace("+00:00", "Z")

    assert as_exported == {
        home.code: (["AQ-HOME-1", "AQ-HOME-2"], *map(when, mine[home.code])),
        rented.code: (["AQ-RENTED-1"], *map(when, mine[rented.code])),
        left.code: (None, *map(when, mine[left.code])),  # a record I left: my marks, not its installations
    }
    # The partner's marks are nowhere, in whatever form a date could be written.
    for moment in theirs:
        for written in (when(moment), moment.strftime("%Y-%m-%dT%H:%M"), moment.strftime("%Y-%m-%d %H:%M")):
            assert written not in text
    # And the partner's own export holds theirs, not mine.
    partner_text = _exported(partner, home)
    [row] = json.loads(partner_text)["account"]["memberships"]
    assert (row["previous_visit_at"], row["visit_started_at"]) == tuple(map(when, theirs))
    assert when(mine[home.code][1]) not in partner_text
