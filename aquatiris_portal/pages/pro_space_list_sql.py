"""The pro space's hot queries (the folder list's page, the folder page's
queries), their SQL compiled once per process and shape
(``compiled_queries``).

Django spends longer building and compiling the folder list's page query
(the page's keys, five correlated subqueries per folder, the list's count)
and the folder page's queries than PostgreSQL spends running them. Their
SQL depends only on their shape (sort, filters, number of search words,
page: the caller's ``shape``); the SPANC, the folder, the words and the
dates are parameters. Each shape is built by the same functions as the
ORM's path, from ``access``, with markers in the values' place.
"""

from .. import compiled_queries


def rows(build, shape, *, spanc, words=(), today=None, cutoff=None, folder=None, using="default"):
    """The rows of ``build(spanc=..., folder=..., words=..., today=..., cutoff=...)``,
    a values_list queryset, as tuples, as ``list(queryset)`` gives them."""
    values = {"spanc": spanc, "folder": folder, "words": list(words), "today": today, "cutoff": cutoff}
    # The day is read by some filters only.
    return compiled_queries.rows(("pro space", *shape), build, values, using, optional=("today",))


def instances(build, shape, *, spanc, folder=None, using="default"):
    """``list(build(spanc=..., folder=...))``, model instances (select_related included)."""
    values = {"spanc": spanc, "folder": folder}  # the folder page's builds take no other value
    # A folder's proof requests are found by the folder alone (already the SPANC's).
    return compiled_queries.instances(("pro space", *shape), build, values, using, optional=("spanc",))
