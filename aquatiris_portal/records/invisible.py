"""One rule for the invisible characters a copy brings along.

What people paste (an email, a client or pro code, a serial number, a
second-factor code) and what exports carry come from PDFs, mails, web pages
and spreadsheets, with characters no one sees and no one meant:

- format characters (Unicode category Cf: zero-width space and joiners,
  word joiner, byte-order mark, left-to-right and right-to-left marks, soft
  hyphen, Arabic letter mark) are dropped, wherever they are, before
  anything else reads the text;
- no-break spaces (U+00A0, the narrow U+202F, the figure space U+2007) are
  spaces: NFKC makes them U+0020, and each canonical form then treats them
  as it treats a space (trimmed around an email and refused inside it, a
  separator in a code or a serial number, dropped in a second-factor code).

records/emails.py, codes.py and serials.py and accounts/second_factor.py
apply it, on the forms' side and in what the importer stores (it calls the
same functions).
"""

import unicodedata

FORMAT = "Cf"


def without_format_characters(text: str) -> str:
    """``text`` without its format characters (Unicode category Cf)."""
    if text.isascii():  # ASCII has none: what most values and exports hold
        return text
    return "".join(char for char in text if unicodedata.category(char) != FORMAT)
