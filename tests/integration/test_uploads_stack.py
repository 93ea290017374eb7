"""Hostile uploads with the private storage on S3 (SeaweedFS) and the
database on PostgreSQL: through the client contact form and the SPANC
folder upload, each is refused with its message and no object is written
to the bucket; an accepted photo reaches the bucket without its GPS
position. The files and messages are those of tests/unit/filecheck/test_uploads_hostile.py."""

import io

import pytest
from PIL import Image

from tests.unit.filecheck.test_uploads_hostile import (  # noqa: F401  (client_form, spanc_form are fixtures)
    HOSTILE,
    IMAGES,
    client_form,
    gps_exif,
    jpeg,
    pdf,
    spanc_form,
    upload,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def bucket_keys(s3):
    keys, token = set(), None
    while True:
        page = s3.client.list_objects_v2(Bucket=s3.bucket, **({"ContinuationToken": token} if token else {}))
        keys |= {item["Key"] for item in page.get("Contents", [])}
        if not page.get("IsTruncated"):
            return keys
        token = page["NextContinuationToken"]


@pytest.fixture
def forms(client_form, spanc_form):  # noqa: F811
    return {"client_form": client_form, "spanc_form": spanc_form}


def test_hostile_uploads_write_nothing_to_the_bucket(s3, s3_private_storage, forms, stack_report):
    from aquatiris_portal.models import OutboxEvent, OutgoingMail, PortalDocument, RequestAttachment

    before = bucket_keys(s3)
    tried = 0
    for case, (files, message) in HOSTILE.items():
        for form, post in forms.items():
            response, errors = post(files())
            assert response.status_code == 200 and errors == [message(form)], (case, form, errors)
            tried += 1
    for case, (files, message) in IMAGES.items():
        response, errors = forms["client_form"](files())
        assert errors == [message()], (case, errors)
        tried += 1
    assert bucket_keys(s3) == before
    assert not RequestAttachment.objects.exists() and not PortalDocument.objects.exists()
    assert not OutgoingMail.objects.exists() and not OutboxEvent.objects.exists()

    # The same forms do write to the bucket when the files are fine.
    response, errors = forms["spanc_form"]([upload("rapport.pdf", pdf())])
    assert errors == [] and response.status_code == 302
    response, errors = forms["client_form"]([upload("IMG_0001.JPG", jpeg(exif=gps_exif()), "image/jpeg")])
    assert errors == [] and response.status_code == 302
    written = bucket_keys(s3) - before
    attachment = RequestAttachment.objects.get()
    assert written == {PortalDocument.objects.get().file.name, attachment.file.name}
    stored = s3.client.get_object(Bucket=s3.bucket, Key=attachment.file.name)["Body"].read()
    assert b"GPS" not in stored and dict(Image.open(io.BytesIO(stored)).getexif()) == {}
    stack_report(
        f"S3 uploads: {tried} hostile uploads through both forms wrote no object to the bucket; "
        f"a PDF and a GPS-tagged photo wrote 2 (the photo without EXIF)"
    )
