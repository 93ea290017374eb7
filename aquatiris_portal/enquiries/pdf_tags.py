"""Tag a PDF made by reportlab (which writes none): language, marked content,
a structure tree, so that screen readers read it as a document.

Each page's content becomes one marked-content sequence (``/Sect``, MCID 0),
the child of a ``/Sect`` element of the tree's ``/Document``; the catalogue
gets ``/MarkInfo``, ``/Lang`` and ``/StructTreeRoot`` with its parent tree.
Reading order is the page order, which is the order reportlab drew in.
"""

import io

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)


def tag_pdf(data, *, language="fr-FR", title=""):
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    root = DictionaryObject({NameObject("/Type"): NameObject("/StructTreeRoot")})
    root_ref = writer._add_object(root)
    document = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/StructElem"),
            NameObject("/S"): NameObject("/Document"),
            NameObject("/P"): root_ref,
        }
    )
    if title:
        document[NameObject("/T")] = TextStringObject(title)
    document_ref = writer._add_object(document)
    kids, numbers = ArrayObject(), ArrayObject()
    for index, page in enumerate(writer.pages):
        content = page.get_contents()
        body = content.get_data() if content is not None else b""
        stream = DecodedStreamObject()
        stream.set_data(b"/Sect <</MCID 0>> BDC\n" + body + b"\nEMC\n")
        page[NameObject("/Contents")] = writer._add_object(stream)
        page[NameObject("/StructParents")] = NumberObject(index)
        section = writer._add_object(
            DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/StructElem"),
                    NameObject("/S"): NameObject("/Sect"),
                    NameObject("/P"): document_ref,
                    NameObject("/Pg"): page.indirect_reference,
                    NameObject("/K"): NumberObject(0),
                }
            )
        )
        kids.append(section)
        numbers += [NumberObject(index), ArrayObject([section])]
    document[NameObject("/K")] = kids
    root[NameObject("/K")] = document_ref
    root[NameObject("/ParentTree")] = writer._add_object(DictionaryObject({NameObject("/Nums"): numbers}))
    root[NameObject("/ParentTreeNextKey")] = NumberObject(len(writer.pages))
    catalog = writer._root_object
    catalog[NameObject("/StructTreeRoot")] = root_ref
    catalog[NameObject("/MarkInfo")] = DictionaryObject({NameObject("/Marked"): BooleanObject(True)})
    catalog[NameObject("/Lang")] = TextStringObject(language)
    catalog[NameObject("/ViewerPreferences")] = DictionaryObject({NameObject("/DisplayDocTitle"): BooleanObject(True)})
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()
