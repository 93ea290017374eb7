"""bench/run.py runs VACUUM ANALYZE on the benchmark's PostgreSQL once the
data is written (portal_bench_data, then bench_visits.py): the pages are
measured with a fresh visibility map and fresh statistics."""

import importlib.util
import json
import pathlib
import subprocess
import types

ROOT = pathlib.Path(__file__).resolve().parents[3]


def _bench_run():
    spec = importlib.util.spec_from_file_location("bench_run_under_test", ROOT / "bench" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_data_is_vacuumed_and_analysed_after_it_is_written(monkeypatch):
    bench = _bench_run()
    commands = []

    def fake_run(command, **kwargs):
        commands.append([str(part) for part in command])
        if any("bench_visits.py" in str(part) for part in command):
            stdout = json.dumps({"client_installation_without_visits": 1})
        else:
            stdout = "  clients: 100\n"
        return types.SimpleNamespace(stdout=stdout, returncode=0)

    monkeypatch.setattr(bench, "run", fake_run)
    monkeypatch.setattr(bench, "subprocess", types.SimpleNamespace(run=fake_run, DEVNULL=subprocess.DEVNULL))
    monkeypatch.setattr(bench, "log", lambda message: None)
    pg = types.SimpleNamespace(port=54321)

    generation = bench.prepare_data({}, False, pg)

    writes = ("portal_bench_data", "bench_visits")
    writers = [i for i, c in enumerate(commands) if any(w in " ".join(c) for w in writes)]
    vacuums = [i for i, c in enumerate(commands) if c[0].endswith("/vacuumdb")]
    assert len(vacuums) == 1 and vacuums[0] > max(writers), commands
    vacuum = commands[vacuums[0]]
    assert "--analyze" in vacuum and vacuum[-1] == bench.DB_NAME
    assert vacuum[vacuum.index("-p") + 1] == "54321" and vacuum[vacuum.index("-h") + 1] == "127.0.0.1"
    assert generation["vacuum_analyze_seconds"] >= 0
