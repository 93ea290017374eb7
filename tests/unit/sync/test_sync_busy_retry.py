"""An import job that finds another import holding the lock (a push while
the schedule's import runs) runs again later, a bounded number of times,
instead of waiting for the schedule; only "busy" is retried."""

import threading

import pytest

from aquatiris_portal.sync import runs, tasks


@pytest.fixture
def fast_backoff(monkeypatch):
    # The actor's own delays are 15 s to 5 min: 1 ms here, the same middleware.
    monkeypatch.setitem(tasks.import_exports.options, "min_backoff", 1)
    monkeypatch.setitem(tasks.import_exports.options, "max_backoff", 2)


def _importer(monkeypatch, answers):
    """Replace the importer: each call pops the next answer ("busy", "done"
    or an exception); the calls are counted."""
    calls = []
    lock = threading.Lock()

    def fake_import_source(source):
        with lock:
            calls.append(source)
            answer = answers.pop(0) if answers else "done"
        if isinstance(answer, Exception):
            raise answer
        return runs.SyncResult(busy=answer == "busy")

    monkeypatch.setattr(tasks, "import_source", fake_import_source)
    return calls


def _run(stub_broker, worker):
    tasks.import_exports.send("/exports")
    stub_broker.join(tasks.import_exports.queue_name, fail_fast=False)  # delayed retries included
    worker.join()


def test_a_busy_import_runs_again_until_the_lock_is_free(stub_broker, worker, monkeypatch, fast_backoff):
    calls = _importer(monkeypatch, ["busy", "busy", "done"])
    _run(stub_broker, worker)
    assert calls == ["/exports"] * 3
    assert not stub_broker.dead_letters


def test_the_retries_of_a_busy_import_are_bounded(stub_broker, worker, monkeypatch, fast_backoff):
    monkeypatch.setattr(tasks, "IMPORT_BUSY_RETRIES", 3)
    calls = _importer(monkeypatch, ["busy"] * 10)
    _run(stub_broker, worker)
    assert len(calls) == 1 + 3  # then the schedule's next tick
    assert [m.actor_name for m in stub_broker.dead_letters] == ["import_exports"]


def test_the_default_bound_and_delays(stub_broker):
    assert 1 <= tasks.IMPORT_BUSY_RETRIES <= 20
    options = tasks.import_exports.options
    assert options["min_backoff"] >= 1_000 and options["max_backoff"] <= 15 * 60 * 1000


def test_an_import_that_fails_is_not_retried(stub_broker, worker, monkeypatch, fast_backoff):
    calls = _importer(monkeypatch, [RuntimeError("disk full")])
    _run(stub_broker, worker)
    assert len(calls) == 1  # the next tick resumes it
