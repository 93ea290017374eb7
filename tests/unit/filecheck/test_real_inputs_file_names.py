"""The stored name of an upload, from what people's computers really send:
a Mac's decomposed accents (NFD), a right-to-left override hiding an
extension, "fancy" letters of 4 bytes each, no extension, two of them,
a leading dot, emoji, control characters; and of an imported document,
from its title ("Contrôle du 12/03/2024", "Devis AQ/22/0457 v1.2"). The
name keeps the person's letters, ends with the real kind's extension and
fits a file system."""

import os
import string
import unicodedata
import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from aquatiris_portal.uploads import KINDS, _is_file_type, safe_filename

names = st.text(
    st.one_of(
        st.characters(exclude_categories=["Cs"]),
        st.sampled_from("é\u0301œß İ’'.-_ \u202e\u200b\u00a0😀𝐑𠀀한/\\"),
    ),
    max_size=300,
)
# What a file system takes in one name, in bytes (ext4, APFS, NTFS in UTF-16 aside).
NAME_MAX = 255
# The storage's "_abc1234" when a name is taken.
COLLISION_SUFFIX = 8


@given(names, st.sampled_from(sorted(KINDS)))
@example("𝐑𝐚𝐩𝐩𝐨𝐫𝐭" * 20 + ".pdf", "pdf")
@example("𠀀" * 100 + ".jpg", "jpeg")
@example(".pdf", "pdf")
def test_a_stored_name_has_the_real_extension_and_fits_a_file_system(name, kind):
    stored = safe_filename(name, kind)
    base, dot, extension = stored.rpartition(".")
    assert dot and extension == KINDS[kind][1] and base
    assert not stored.startswith(".")
    assert len(stored.encode("utf-8")) + COLLISION_SUFFIX <= NAME_MAX
    assert not {unicodedata.category(char) for char in stored} & {"Cc", "Cf", "Zl", "Zp"}
    assert "/" not in stored and "\\" not in stored
    assert safe_filename(stored, kind) == stored


@given(names)
@example("Rapport de contrôle été 2024.pdf")
def test_a_macs_decomposed_accents_give_the_same_name_with_its_accents(name):
    composed = safe_filename(unicodedata.normalize("NFC", name), "pdf")
    assert safe_filename(unicodedata.normalize("NFD", name), "pdf") == composed
    assert unicodedata.is_normalized("NFC", composed)


def test_accented_names_keep_their_letters():
    assert safe_filename("Rapport e\u0301te\u0301.pdf", "pdf") == "Rapport_été.pdf"
    assert safe_filename("Contro\u0302le cuve.heic", "jpeg") == "Contrôle_cuve.jpg"


titles = st.text(st.sampled_from(string.ascii_letters + string.digits + " /.-"), min_size=1, max_size=60)


def letters_and_digits(text):
    return "".join(char for char in text if char.isalnum())


@given(titles)
@example("Rapport de contrôle du 12/03/2024")
@example("Devis AQ/22/0457 v1.2")
@example("Facture n° 2024.001")
def test_a_documents_title_keeps_all_its_words_in_its_file_name(title):
    # An imported document's file name is made from its title (sync/files.py,
    # enquiries/imports.py): a slash or a dotted number is part of the title.
    assume(letters_and_digits(title) and not _is_file_type(os.path.splitext(title)[1]))
    stored = safe_filename(title, "pdf")
    assert letters_and_digits(stored.removesuffix(".pdf")) == letters_and_digits(title)


def test_a_title_with_a_date_names_its_file_with_it():
    assert safe_filename("Rapport de contrôle du 12/03/2024", "pdf") == "Rapport_de_contrôle_du_12-03-2024.pdf"
    assert safe_filename("photo.HEIC", "jpeg") == "photo.jpg"


@pytest.fixture(scope="module")
def storage(tmp_path_factory):
    return FileSystemStorage(location=tmp_path_factory.mktemp("uploads"))


@settings(max_examples=40, deadline=None)
@given(names, st.sampled_from(sorted(KINDS)))
@example("𝐑𝐚𝐩𝐩𝐨𝐫𝐭" * 20 + ".pdf", "pdf")
def test_the_storage_saves_the_name_twice(storage, name, kind):
    # As the attachments' upload_to: a random folder, the stored name; the
    # second file of that name gets the storage's suffix.
    folder = f"requests/{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}"
    stored = safe_filename(name, kind)
    first = storage.save(f"{folder}/{stored}", ContentFile(b"%PDF-1.4"), max_length=500)
    second = storage.save(f"{folder}/{stored}", ContentFile(b"%PDF-1.4"), max_length=500)
    assert first != second and storage.exists(first) and storage.exists(second)
