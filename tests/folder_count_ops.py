"""Operations that write installations in every way a writer can, for the
folder counts' tests (records.folder_counts) on SQLite and PostgreSQL."""

from django.db import connection
from hypothesis import strategies as st

from aquatiris_portal.records.models import Installation, Spanc, SpancFolderCount
from tests import factories

SPANCS = 3
OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("create"), st.integers(-1, SPANCS - 1)),
        st.tuples(st.just("bulk_create"), st.integers(-1, SPANCS - 1), st.integers(0, 4)),
        st.tuples(st.just("move"), st.integers(0, 30), st.integers(-1, SPANCS - 1)),
        st.tuples(st.just("update"), st.integers(-1, SPANCS - 1), st.integers(-1, SPANCS - 1)),
        st.tuples(st.just("raw_move"), st.integers(0, 30), st.integers(-1, SPANCS - 1)),
        st.tuples(st.just("touch"), st.integers(0, 30)),
        st.tuples(st.just("delete"), st.integers(0, 30)),
        st.tuples(st.just("delete_many"), st.integers(-1, SPANCS - 1)),
        st.tuples(st.just("delete_spanc"), st.integers(0, SPANCS - 1)),
    ),
    max_size=12,
)


def stored_counts():
    return dict(SpancFolderCount.objects.values_list("spanc_id", "folders"))


def live_counts(spancs):
    return {spanc.pk: Installation.objects.filter(spanc=spanc).count() for spanc in spancs}


def apply_operation(operation, spancs, client, franchisee):
    def spanc(index):
        return None if index < 0 else spancs[index]

    def installation(index):
        rows = list(Installation.objects.order_by("pk"))
        return rows[index % len(rows)] if rows else None

    kind, *args = operation
    if kind == "create":
        factories.installation(spanc=spanc(args[0]), client=client, franchisee=franchisee)
    elif kind == "bulk_create":
        start = Installation.objects.count()
        Installation.objects.bulk_create(
            Installation(
                external_id=f"I-B{start}-{n}",
                reference=f"REF-B{start}-{n}",
                client=client,
                franchisee=franchisee,
                spanc=spanc(args[0]),
            )
            for n in range(args[1])
        )
    elif kind == "move" and (row := installation(args[0])) is not None:
        row.spanc = spanc(args[1])
        row.save()
    elif kind == "update":
        source, target = spanc(args[0]), spanc(args[1])
        Installation.objects.filter(spanc=source).update(spanc=target)
    elif kind == "raw_move" and (row := installation(args[0])) is not None:
        target = spanc(args[1])
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Installation._meta.db_table} SET spanc_id = %s WHERE id = %s",  # noqa: S608
                [target.pk if target else None, row.pk],
            )
    elif kind == "touch" and (row := installation(args[0])) is not None:
        Installation.objects.filter(pk=row.pk).update(label="Filtre compact")  # the SPANC unchanged
    elif kind == "delete" and (row := installation(args[0])) is not None:
        row.delete()
    elif kind == "delete_many":
        Installation.objects.filter(spanc=spanc(args[0])).delete()
    elif kind == "delete_spanc" and spancs[args[0]].pk is not None and Spanc.objects.filter(pk=spancs[args[0]].pk):
        Spanc.objects.get(pk=spancs[args[0]].pk).delete()  # its folders lose their SPANC (SET_NULL)
