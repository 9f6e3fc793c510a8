"""The pure parts of the load benchmark (bench/results.py) and its option handling."""

from __future__ import annotations

import http.server
import json
import re
import shutil
import subprocess
import threading

import pytest

from bench import results as R

WRK_STDOUT = """Running 10s test @ http://127.0.0.1:8000/health/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     7.85ms    2.11ms  31.02ms   80.00%
  20000 requests in 10.00s, 5.00MB read
Requests/sec:   2000.00
Transfer/sec:    512.00KB
BENCH_JSON {"requests": 20000, "duration_s": 10.000123, "bytes": 5242880, "rps": 1999.975, \
"latency_ms": {"p50": 7.5, "p90": 9.9, "p95": 11.2, "p99": 18.0, "max": 31.02, "mean": 7.85}, \
"errors": {"connect": 0, "read": 1, "write": 0, "timeout": 2, "status": 3}}
"""


def wrk(rps: float, p50: float = 10.0, p95: float = 20.0, errors: int = 0) -> dict:
    return {
        "requests": int(rps * 10),
        "duration_s": 10.0,
        "rps": rps,
        "latency_ms": {"p50": p50, "p90": p95, "p95": p95, "p99": p95, "max": p95, "mean": p50},
        "errors": {
            "connect": 0,
            "read": 0,
            "write": 0,
            "timeout": 0,
            "status": errors,
            "total": errors,
        },
    }


def ok(rps: float, **kwargs) -> dict:
    return {"url": "/x/", "status": 200, "wrk": wrk(rps, **kwargs), "error": None}


def missing(status: int = 404) -> dict:
    return {
        "url": "/sok/?q=x",
        "status": status,
        "wrk": None,
        "error": f"HTTP {status}: not measured",
    }


def run(database: str, cache: str, results: dict) -> dict:
    R.add_bare_ratios(results)
    return {"database": database, "cache": cache, "results": results}


def by_name(targets: list[R.Target]) -> dict[str, R.Target]:
    return {target.name: target for target in targets}


# --- wrk -----------------------------------------------------------------------------------


def test_parse_wrk_output_reads_the_marked_line_and_adds_up_the_errors() -> None:
    data = R.parse_wrk_output(WRK_STDOUT)
    assert data["requests"] == 20000
    assert data["rps"] == pytest.approx(1999.975)
    assert data["latency_ms"]["p95"] == 11.2
    assert data["errors"]["total"] == 6


def test_parse_wrk_output_takes_the_last_marked_line() -> None:
    stdout = WRK_STDOUT + WRK_STDOUT.splitlines()[-1].replace('"rps": 1999.975', '"rps": 5.0')
    assert R.parse_wrk_output(stdout)["rps"] == 5.0


@pytest.mark.parametrize(
    "stdout",
    [
        "Running 10s test @ http://127.0.0.1/\nRequests/sec: 10\n",
        "BENCH_JSON {not json",
        'BENCH_JSON {"requests": 1, "duration_s": 1, "rps": 1, "errors": {}}',
        'BENCH_JSON {"requests": 1, "duration_s": 1, "rps": 1, "errors": {}, "latency_ms": {}}',
    ],
)
def test_parse_wrk_output_refuses_output_without_a_complete_result(stdout: str) -> None:
    with pytest.raises(R.WrkOutputError):
        R.parse_wrk_output(stdout)


def test_the_lua_script_prints_every_field_the_parser_needs() -> None:
    from bench.run import LUA_SCRIPT

    script = LUA_SCRIPT.read_text()
    assert "done = function(summary, latency, requests)" in script
    for key in ("requests", "duration_s", "rps", "p50", "p95", "p99", "max", "status", "timeout"):
        assert f'"{key}"' in script
    assert "latency:percentile(95)" in script
    assert f"'{R.MARKER}{{" in script  # the line starts with the marker the parser looks for


@pytest.mark.parametrize(
    ("seconds", "expected"), [(10, "-d10s"), (1, "-d1s"), (0.5, "-d1s"), (2.5, "-d3s")]
)
def test_wrk_command_durations(seconds: float, expected: str) -> None:
    command = R.wrk_command(
        "wrk", "http://127.0.0.1:1/", seconds=seconds, connections=16, threads=2, script="r.lua"
    )
    assert command == [
        "wrk",
        "-t2",
        "-c16",
        expected,
        "--timeout",
        "10s",
        "-s",
        "r.lua",
        "http://127.0.0.1:1/",
    ]


def test_wrk_command_hands_script_arguments_to_the_script() -> None:
    command = R.wrk_command(
        "wrk",
        "http://127.0.0.1:1/p/",
        seconds=1,
        connections=16,
        threads=2,
        script="r.lua",
        script_args=["random-query"],
    )
    assert command[-4:] == ["r.lua", "http://127.0.0.1:1/p/", "--", "random-query"]


@pytest.mark.parametrize(("script_args", "random"), [([], False), (["random-query"], True)])
def test_the_wrk_script_adds_a_random_query_string_only_when_asked(script_args, random) -> None:
    """Real wrk against a small server that records the paths it is asked for."""
    from bench.run import LUA_SCRIPT

    wrk = shutil.which("wrk")
    assert wrk, "wrk is missing: .ci/run installs it with apt-get"
    paths: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            paths.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/protokoll/x/?page=1"
        command = R.wrk_command(
            wrk,
            url,
            seconds=1,
            connections=2,
            threads=1,
            script=str(LUA_SCRIPT),
            script_args=script_args,
        )
        completed = subprocess.run(command, capture_output=True, text=True, timeout=30)  # noqa: S603
    finally:
        server.shutdown()
    assert completed.returncode == 0, completed.stderr
    assert R.parse_wrk_output(completed.stdout)["requests"] > 10
    assert all(path.startswith("/protokoll/x/?page=1") for path in paths)
    if random:
        assert all(re.fullmatch(r"/protokoll/x/\?page=1&r=\d+", path) for path in paths)
        assert len(set(paths)) > len(paths) * 0.9
    else:
        assert set(paths) == {"/protokoll/x/?page=1"}


def test_a_random_query_string_must_cost_no_more_than_a_cache_hit() -> None:
    within_noise = by_name(R.evaluate_targets(full_runs(protocol_random_query_on=ok(560, p95=60))))
    uncached = by_name(R.evaluate_targets(full_runs(protocol_random_query_on=ok(77, p95=300))))

    name = "rps protocol_random_query / protocol (cache on)"
    assert within_noise[name].status == "PASS"  # 560 / 600 = 0.93
    assert within_noise[name].limit == ">= 0.9"
    assert uncached[name].status == "FAIL"
    assert uncached[name].value == pytest.approx(77 / 600, abs=0.001)


def test_wrk_command_never_has_more_threads_than_connections() -> None:
    command = R.wrk_command(
        "wrk", "http://127.0.0.1:1/", seconds=1, connections=1, threads=2, script=None
    )
    assert command[1:3] == ["-t1", "-c1"]
    assert "-s" not in command


# --- choosing the URLs ---------------------------------------------------------------------


def test_median_item_picks_the_middle_count_whatever_the_order() -> None:
    rows = [(5, 30), (1, 10), (3, 12), (2, 11), (4, 29)]
    assert R.median_item(rows) == (3, 12)
    assert R.median_item([(9, 4), (8, 2)]) == (8, 2)  # even: the lower middle
    assert R.median_item([(2, 7), (1, 7), (3, 7)]) == (2, 7)  # ties: by key
    with pytest.raises(ValueError):
        R.median_item([])


@pytest.mark.parametrize(
    ("count", "per_page", "orphans", "expected"),
    [
        (0, 20, 0, 1),
        (1, 20, 0, 1),
        (20, 20, 0, 1),
        (21, 20, 0, 2),
        (19_000, 20, 0, 950),
        (22, 20, 2, 1),
    ],
)
def test_last_page_counts_like_djangos_paginator(count, per_page, orphans, expected) -> None:
    from django.core.paginator import Paginator

    assert R.last_page(count, per_page, orphans) == expected
    assert Paginator(range(count), per_page, orphans=orphans).num_pages == expected


def test_candidate_words_are_long_lower_case_and_distinct() -> None:
    words = R.candidate_words(["Socialförvaltningen berättar om Budgeten.", "budgeten, igen"])
    assert words == ["berättar", "budgeten", "socialförvaltningen"]


def test_search_words_are_the_most_and_the_least_frequent_that_occur() -> None:
    texts = ["budgeten och lokalerna", "budgeten", "Budgeten igen", "lokalerna"]
    shares = R.word_shares(["budgeten", "lokalerna", "saknas"], texts)
    assert shares == {"budgeten": 0.75, "lokalerna": 0.5, "saknas": 0.0}
    assert R.choose_search_words(shares) == ("budgeten", "lokalerna")
    assert R.choose_search_words({"b": 0.5, "a": 0.5}) == ("a", "a")
    with pytest.raises(ValueError):
        R.choose_search_words({"saknas": 0.0})


def test_select_endpoints_keeps_the_order_and_always_runs_bare() -> None:
    assert R.select_endpoints([]) == list(R.FULL_ENDPOINTS)
    assert R.select_endpoints(["static", "protocol"]) == ["bare", "protocol", "static"]
    assert R.tenth_endpoints(["bare", "protocol", "static"]) == ["bare", "protocol"]
    assert R.tenth_endpoints(list(R.FULL_ENDPOINTS)) == list(R.TENTH_ENDPOINTS)


# --- ratios and targets ----------------------------------------------------------------------


def test_bare_ratios_use_the_bare_view_of_the_same_run() -> None:
    results = {"bare": ok(1000), "protocol": ok(250), "search_common": missing()}
    R.add_bare_ratios(results)
    assert results["bare"]["ratio_to_bare"] == 1.0
    assert results["protocol"]["ratio_to_bare"] == 0.25
    assert results["search_common"]["ratio_to_bare"] is None
    without_bare = {"protocol": ok(250)}
    R.add_bare_ratios(without_bare)
    assert without_bare["protocol"]["ratio_to_bare"] is None


def test_scale_ratios_compare_full_with_tenth_per_cache_setting() -> None:
    runs = [
        run("full", "off", {"bare": ok(1000), "protocol": ok(100, p50=30), "archive": ok(90)}),
        run("tenth", "off", {"bare": ok(1000), "protocol": ok(200, p50=15), "archive": ok(90)}),
        run("full", "on", {"bare": ok(1000), "protocol": ok(500)}),
    ]
    rows = R.scale_ratios(runs)
    assert [(row["endpoint"], row["cache"]) for row in rows] == [
        ("protocol", "off"),
        ("archive", "off"),
    ]
    assert rows[0]["p50_full_over_tenth"] == 2.0
    assert rows[0]["rps_full_over_tenth"] == 0.5
    assert rows[1]["rps_full_over_tenth"] == 1.0


def full_runs(**overrides) -> list[dict]:
    on = {
        "bare": ok(1000),
        "home": ok(800, p95=40),
        "archive": ok(700, p95=50),
        "protocol": ok(600, p95=60),
        "working_group": ok(500, p95=70),
        "search_common": ok(300, p95=120),
        "static": ok(3000),
    }
    off = {
        "bare": ok(1000),
        "home": ok(300, p95=90),
        "archive": ok(200, p95=95),
        "protocol": ok(160, p95=99),
        "working_group": ok(150, p95=99),
        "search_common": ok(100, p95=140),
        "static": ok(3000),
    }
    for key, value in overrides.items():
        name, cache = key.rsplit("_", 1)
        (on if cache == "on" else off)[name] = value
    return [run("full", "on", on), run("full", "off", off)]


def test_targets_pass_when_every_figure_is_within_its_limit() -> None:
    targets = R.evaluate_targets(full_runs())
    assert {target.status for target in targets} == {"PASS"}
    names = by_name(targets)
    assert names["p95 search_common (cache on)"].limit == "< 150 ms"
    assert names["p95 protocol (cache on)"].limit == "< 100 ms"
    assert "p95 bare (cache on)" not in names and "p95 static (cache on)" not in names
    assert names["rps protocol / bare (cache off)"].value == pytest.approx(0.16)
    assert "p95 home (cache off)" not in names  # the p95 limit is for the page cache on


def test_targets_fail_on_slow_pages_low_throughput_and_errors() -> None:
    targets = by_name(
        R.evaluate_targets(
            full_runs(
                protocol_on=ok(400, p95=100.0),
                archive_off=ok(149, p95=50),
                search_common_off=ok(100, p95=151),
                static_off={**ok(3000), "wrk": wrk(3000, errors=2)},
            )
        )
    )
    assert targets["p95 protocol (cache on)"].status == "FAIL"  # strictly below 100 ms
    assert targets["rps protocol / bare (cache on)"].status == "FAIL"  # 0.4 < 0.5
    assert targets["rps archive / bare (cache off)"].status == "FAIL"  # 0.149 < 0.15
    assert targets["p95 search_common (cache off)"].status == "FAIL"
    assert targets["zero errors under load"].status == "FAIL"
    assert "full/static/cache off" in targets["zero errors under load"].detail


def test_an_endpoint_that_answers_404_is_reported_not_measured() -> None:
    runs = full_runs(search_common_on=missing(404), search_common_off=missing(404))
    targets = by_name(R.evaluate_targets(runs))
    assert targets["every URL answers 200"].status == "FAIL"
    assert "full/search_common/cache on: HTTP 404" in targets["every URL answers 200"].detail
    assert targets["zero errors under load"].status == "PASS"
    search = targets["p95 search_common (cache on)"]
    assert search.status == "FAIL" and search.value is None and "HTTP 404" in search.detail
    table = R.format_table(runs, {})
    assert "HTTP 404: not measured" in table


def test_scale_targets_use_the_runs_without_page_cache() -> None:
    runs = [
        *full_runs(protocol_off=ok(100, p50=20)),
        run("tenth", "off", {"bare": ok(1000), "protocol": ok(140, p50=10), "archive": ok(200)}),
        run("tenth", "on", {"bare": ok(1000), "protocol": ok(10_000, p50=1)}),
    ]
    targets = by_name(R.evaluate_targets(runs))
    assert targets["scale p50 full/tenth protocol (cache off)"].status == "FAIL"  # 2.0 > 1.5
    assert targets["scale rps full/tenth protocol (cache off)"].status == "PASS"  # 0.71 >= 0.67
    assert targets["scale p50 full/tenth archive (cache off)"].status == "PASS"
    assert not any("cache on" in name for name in targets if name.startswith("scale"))


def test_table_and_targets_are_readable() -> None:
    runs = full_runs()
    queries = {"full": {"on": {"protocol": {"cold": 16, "warm": 1}}}}
    table = R.format_table(runs, queries).splitlines()
    assert table[0].split()[:4] == ["db", "endpoint", "cache", "rps"]
    protocol_on = next(line for line in table if " protocol " in line and " on " in line)
    assert "16/1" in protocol_on and "0.60" in protocol_on
    assert table.index(protocol_on) < next(
        number for number, line in enumerate(table) if " protocol " in line and " off " in line
    )
    text = R.format_targets(R.evaluate_targets(runs))
    assert "PASS  p95 protocol (cache on): 60.0 (< 100 ms)" in text
    assert "PASS  rps protocol / bare (cache on): 0.600 (>= 0.5)" in text
    assert text.splitlines()[-1].strip().startswith("targets:")
    json.dumps([target.as_dict() for target in R.evaluate_targets(runs)])  # serialisable


# --- options and environment of bench.run -------------------------------------------------------


def test_options_default_to_the_brief(tmp_path) -> None:
    from bench.run import BASE_DIR, parse_args

    options = parse_args([])
    assert (options.scale, options.duration, options.connections, options.threads) == (
        1.0,
        10,
        16,
        2,
    )
    assert options.workdir == BASE_DIR / ".bench"
    assert options.output == BASE_DIR / ".bench" / "results.json"
    assert options.endpoint_names == list(R.FULL_ENDPOINTS)
    assert not options.fresh and not options.skip_tenth
    assert parse_args(["--fresh"]).fresh and not parse_args(["--fresh", "--reuse"]).fresh
    options = parse_args(["--workdir", str(tmp_path), "--endpoints", "protocol"])
    assert options.output == tmp_path / "results.json"
    assert options.endpoint_names == ["bare", "protocol"]


@pytest.mark.parametrize(
    "argv", [["--endpoints", "nope"], ["--duration", "0"], ["--connections", "0"]]
)
def test_bad_options_stop_before_anything_starts(argv) -> None:
    from bench.run import parse_args

    with pytest.raises(SystemExit):
        parse_args(argv)


def test_the_environment_is_production_and_forgets_the_callers_settings(
    monkeypatch, tmp_path
) -> None:
    from bench.run import Environment

    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "config.settings.test")
    monkeypatch.setenv("DELAKTIG_TEST_DATABASE", "postgres")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///elsewhere.sqlite3")
    environment = Environment(tmp_path)
    env = environment.build("postgres://postgres@127.0.0.1:5/bench_full", cache=False, port=8123)
    assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    assert env["DATABASE_URL"] == "postgres://postgres@127.0.0.1:5/bench_full"
    assert env["DELAKTIG_PAGE_CACHE"] == "false"
    assert env["DJANGO_SECURE_SSL_REDIRECT"] == "false"
    assert env["DJANGO_ALLOWED_HOSTS"] == "127.0.0.1,localhost"
    assert env["DJANGO_SITE_URL"] == "http://127.0.0.1:8123"
    assert env["DJANGO_EMAIL_URL"] == "consolemail://"
    assert len(env["DJANGO_SECRET_KEY"]) >= 50
    assert "DELAKTIG_TEST_DATABASE" not in env
    assert env["DJANGO_STATIC_ROOT"] == str(tmp_path / "static")
    assert environment.build("x", cache=True)["DELAKTIG_PAGE_CACHE"] == "true"


def test_gunicorn_listens_on_loopback_only(tmp_path) -> None:
    from bench.run import GUNICORN, Gunicorn

    server = Gunicorn(dict(GUNICORN), {}, tmp_path / "g.log", tmp_path / "g.pid")
    server.port = 8123
    command = server.command()
    assert command[command.index("--bind") + 1] == "127.0.0.1:8123"
    assert "config.wsgi:application" in command
    gthread = Gunicorn(
        {"worker_class": "gthread", "workers": 2, "threads": 4}, {}, tmp_path, tmp_path
    )
    assert gthread.command()[-2:] == ["--threads", "4"]
    assert "--capture-output" in command


def test_the_data_fingerprint_follows_scale_and_seed() -> None:
    from bench.run import data_fingerprint

    assert data_fingerprint(1.0, 42) == data_fingerprint(1.0, 42)
    assert data_fingerprint(1.0, 42) != data_fingerprint(0.1, 42)
    assert data_fingerprint(1.0, 42) != data_fingerprint(1.0, 43)
