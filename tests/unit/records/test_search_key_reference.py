"""``search_key`` takes shortcuts (ASCII text as it is, the ligature table
only when one is there, the marks dropped through a cached table): it must
give exactly what the plain definition gives, for any text."""

import unicodedata

from hypothesis import example, given
from hypothesis import strategies as st

from aquatiris_portal.records.names import _LIGATURES, search_key


def reference_key(*parts):
    """The definition, one step after the other, without shortcut."""
    text = unicodedata.normalize("NFKD", " ".join(str(p) for p in parts if p).translate(_LIGATURES))
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).upper().split())


names = st.text(alphabet=st.characters(codec="utf-8"), max_size=40) | st.sampled_from(
    ["Lefèvre  Zoé", "Œuvre", "d’Ŀaval", "ŉ", "Saint-Père", "Łódź", "straße", "ÆSIR", "Ａｎｎｅ", "e\u0301"]
)


@given(st.lists(names, max_size=5))
@example(["ŉ"])  # NFKD makes it "ʼn": the ligature table must run before NFKD, as defined
@example(["Œ", "e\u0301"])
def test_search_key_is_its_definition(parts):
    assert search_key(*parts) == reference_key(*parts)
