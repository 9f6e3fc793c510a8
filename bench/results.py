"""The pure parts of the benchmark: parsing wrk, choosing URLs, ratios, targets, the table.

Nothing here starts a process or touches a database, so all of it is unit-tested
(tests/bench/test_results.py).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

MARKER = "BENCH_JSON "

# Every endpoint measured against the full data set, in the order they are run.
FULL_ENDPOINTS = (
    "bare",
    "home",
    "archive",
    "archive_filtered",
    "archive_last_page",
    "protocol",
    "protocol_random_query",
    "working_group",
    "search_common",
    "search_rare",
    "static",
)
# Measured again on the tenth data set, to see how the pages grow with the data.
TENTH_ENDPOINTS = ("bare", "protocol", "archive", "archive_last_page")
# Not pages: the floor of the stack and a file served by WhiteNoise.
NON_PAGES = frozenset({"bare", "static"})
# Their rps must stay within a share of the bare view's, measured in the same run.
RATIO_ENDPOINTS = ("protocol", "working_group", "archive", "archive_filtered", "archive_last_page")
RATIO_MIN = {"on": 0.5, "off": 0.15}
PAGE_P95_MS = 100.0
SEARCH_COMMON_P95_MS = 150.0
SCALE_MAX = 1.5
# Endpoints that wrk asks with a fresh random query string on every request (the
# "random-query" mode of bench/report.lua), and the endpoint each is compared with:
# a parameter the page does not read must cost no more than a cache hit.
RANDOM_QUERY_ENDPOINTS = {"protocol_random_query": "protocol"}
RANDOM_QUERY_MIN_SHARE = 0.9  # of the plain page's rps, cache on: within noise
SCALE_ENDPOINTS = ("protocol", "archive", "archive_last_page")


def select_endpoints(chosen: Sequence[str]) -> list[str]:
    """The endpoints to run, in the standard order; all when none are chosen, bare always."""
    if not chosen:
        return list(FULL_ENDPOINTS)
    wanted = {*chosen, "bare"}
    return [name for name in FULL_ENDPOINTS if name in wanted]


def tenth_endpoints(names: Sequence[str]) -> list[str]:
    """Of the endpoints run on the full data set, those measured on the tenth too."""
    return [name for name in TENTH_ENDPOINTS if name in names]


class WrkOutputError(ValueError):
    """wrk's output holds no result line from bench/report.lua."""


# --- wrk ----------------------------------------------------------------------------


def parse_wrk_output(stdout: str) -> dict[str, Any]:
    """The JSON line printed by report.lua's ``done()``, with the errors added up."""
    lines = [line for line in stdout.splitlines() if line.startswith(MARKER)]
    if not lines:
        raise WrkOutputError(f"no {MARKER.strip()} line in wrk's output:\n{stdout[-2000:]}")
    try:
        data = json.loads(lines[-1][len(MARKER) :])
    except json.JSONDecodeError as error:
        raise WrkOutputError(f"unreadable result line {lines[-1]!r}: {error}") from error
    for key in ("requests", "duration_s", "rps", "latency_ms", "errors"):
        if key not in data:
            raise WrkOutputError(f"result line lacks {key!r}: {lines[-1]!r}")
    for key in ("p50", "p95", "p99", "max"):
        if key not in data["latency_ms"]:
            raise WrkOutputError(f"result line lacks latency {key!r}: {lines[-1]!r}")
    data["errors"]["total"] = sum(
        int(data["errors"].get(key, 0)) for key in ("connect", "read", "write", "timeout", "status")
    )
    return data


def wrk_command(
    wrk: str,
    url: str,
    *,
    seconds: float,
    connections: int,
    threads: int,
    script: str | None,
    script_args: Sequence[str] = (),
) -> list[str]:
    threads = max(1, min(threads, connections))  # wrk wants at least one connection a thread
    command = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{_seconds(seconds)}",
        "--timeout",
        "10s",
    ]
    if script:
        command += ["-s", script]
    command.append(url)
    if script_args:
        command += ["--", *script_args]  # wrk hands these to the script's init()
    return command


def _seconds(seconds: float) -> str:
    # Debian's wrk reads whole seconds only ("500ms" makes it print its usage and exit),
    # so a shorter or fractional duration is rounded up.
    return f"{max(1, math.ceil(seconds))}s"


# --- choosing the URLs -----------------------------------------------------------------


def median_item(rows: Sequence[tuple[Any, int]]) -> tuple[Any, int]:
    """The (key, count) pair with the median count; ties broken by key, rows in any order."""
    if not rows:
        raise ValueError("no rows to choose from")
    ordered = sorted(rows, key=lambda row: (row[1], row[0]))
    return ordered[(len(ordered) - 1) // 2]


def last_page(count: int, per_page: int, orphans: int = 0) -> int:
    """The number of the last page, as Django's Paginator counts (at least 1)."""
    if per_page <= 0:
        raise ValueError("per_page must be positive")
    hits = max(1, count - orphans)
    return max(1, math.ceil(hits / per_page))


_WORD = re.compile(r"[a-zåäöéü]+")


def candidate_words(texts: Iterable[str], min_length: int = 6) -> list[str]:
    """The distinct lower-case words of at least ``min_length`` letters, sorted."""
    words = set()
    for text in texts:
        words.update(w for w in _WORD.findall(text.lower()) if len(w) >= min_length)
    return sorted(words)


def word_shares(words: Iterable[str], texts: Sequence[str]) -> dict[str, float]:
    """The share of ``texts`` that contain each word (case-insensitive substring, like ILIKE)."""
    lowered = [text.lower() for text in texts]
    total = len(lowered) or 1
    return {word: sum(1 for text in lowered if word in text) / total for word in words}


def choose_search_words(shares: Mapping[str, float]) -> tuple[str, str]:
    """(common, rare): the word in the largest share of texts, and the one in the smallest
    share that still occurs. Ties go to the alphabetically first word."""
    present = {word: share for word, share in shares.items() if share > 0}
    if not present:
        raise ValueError("no word occurs in the texts")
    common = min(present, key=lambda word: (-present[word], word))
    rare = min(present, key=lambda word: (present[word], word))
    return common, rare


# --- ratios and targets -----------------------------------------------------------------


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def rps(result: Mapping[str, Any] | None) -> float | None:
    if not result or not result.get("wrk"):
        return None
    return float(result["wrk"]["rps"])


def latency(result: Mapping[str, Any] | None, key: str) -> float | None:
    if not result or not result.get("wrk"):
        return None
    return float(result["wrk"]["latency_ms"][key])


def add_bare_ratios(results: dict[str, dict[str, Any]]) -> None:
    """Each endpoint's rps as a share of the bare view's in the same gunicorn run."""
    bare = rps(results.get("bare"))
    for result in results.values():
        result["ratio_to_bare"] = ratio(rps(result), bare)


def find_run(runs: Sequence[Mapping[str, Any]], database: str, cache: str) -> Mapping | None:
    for run in runs:
        if run["database"] == database and run["cache"] == cache:
            return run
    return None


def scale_ratios(runs: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Full against tenth for the endpoints measured on both: p50 full/tenth, rps full/tenth."""
    rows = []
    for cache in ("on", "off"):
        full, tenth = find_run(runs, "full", cache), find_run(runs, "tenth", cache)
        if full is None or tenth is None:
            continue
        for name in SCALE_ENDPOINTS:
            a, b = full["results"].get(name), tenth["results"].get(name)
            if not a or not b:
                continue
            rows.append(
                {
                    "endpoint": name,
                    "cache": cache,
                    "p50_full_over_tenth": ratio(latency(a, "p50"), latency(b, "p50")),
                    "rps_full_over_tenth": ratio(rps(a), rps(b)),
                }
            )
    return rows


@dataclass
class Target:
    name: str
    status: str  # PASS, FAIL or SKIP
    value: float | None = None
    limit: str = ""
    detail: str = ""
    endpoints: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _check(name: str, value: float | None, ok: bool | None, limit: str, detail: str = "") -> Target:
    if value is None or ok is None:
        return Target(
            name, "SKIP" if not detail else "FAIL", value, limit, detail or "not measured"
        )
    return Target(name, "PASS" if ok else "FAIL", value, limit, detail)


def _unmeasured(result: Mapping[str, Any] | None) -> str:
    """Why a result has no numbers: '' when it was not run, else the reason given."""
    if result is None:
        return ""
    return result.get("error") or ""


def evaluate_targets(runs: Sequence[Mapping[str, Any]]) -> list[Target]:
    targets: list[Target] = []

    # Every URL answered 200 before the load, and wrk saw no error in any run.
    bad_status, errors = [], []
    for run in runs:
        for name, result in run["results"].items():
            where = f"{run['database']}/{name}/cache {run['cache']}"
            if result.get("status") != 200:
                bad_status.append(f"{where}: {result.get('error') or result.get('status')}")
            if result.get("wrk") and result["wrk"]["errors"]["total"]:
                errors.append(f"{where}: {result['wrk']['errors']}")
            elif result.get("error") and result.get("status") == 200:
                errors.append(f"{where}: {result['error']}")
    targets.append(
        Target(
            "every URL answers 200", "FAIL" if bad_status else "PASS", detail="; ".join(bad_status)
        )
    )
    targets.append(
        Target("zero errors under load", "FAIL" if errors else "PASS", detail="; ".join(errors))
    )

    full_on = find_run(runs, "full", "on")
    full_off = find_run(runs, "full", "off")
    if full_on is not None:
        for name, result in full_on["results"].items():
            if name in NON_PAGES:
                continue
            limit = SEARCH_COMMON_P95_MS if name == "search_common" else PAGE_P95_MS
            p95 = latency(result, "p95")
            targets.append(
                _check(
                    f"p95 {name} (cache on)",
                    p95,
                    None if p95 is None else p95 < limit,
                    f"< {limit:g} ms",
                    _unmeasured(result),
                )
            )
    if full_off is not None and "search_common" in full_off["results"]:
        result = full_off["results"]["search_common"]
        p95 = latency(result, "p95")
        targets.append(
            _check(
                "p95 search_common (cache off)",
                p95,
                None if p95 is None else p95 < SEARCH_COMMON_P95_MS,
                f"< {SEARCH_COMMON_P95_MS:g} ms",
                _unmeasured(result),
            )
        )

    if full_on is not None:
        for name, plain in RANDOM_QUERY_ENDPOINTS.items():
            if name not in full_on["results"] or plain not in full_on["results"]:
                continue
            random_rps, plain_rps = rps(full_on["results"][name]), rps(full_on["results"][plain])
            share = random_rps / plain_rps if random_rps and plain_rps else None
            targets.append(
                _check(
                    f"rps {name} / {plain} (cache on)",
                    None if share is None else round(share, 3),
                    None if share is None else share >= RANDOM_QUERY_MIN_SHARE,
                    f">= {RANDOM_QUERY_MIN_SHARE:g}",
                    _unmeasured(full_on["results"][name]),
                )
            )

    for run in (full_on, full_off):
        if run is None:
            continue
        cache, minimum = run["cache"], RATIO_MIN[run["cache"]]
        for name in RATIO_ENDPOINTS:
            if name not in run["results"]:
                continue
            result = run["results"][name]
            value = result.get("ratio_to_bare")
            targets.append(
                _check(
                    f"rps {name} / bare (cache {cache})",
                    value,
                    None if value is None else value >= minimum,
                    f">= {minimum:g}",
                    _unmeasured(result),
                )
            )

    for row in scale_ratios(runs):
        if row["cache"] != "off":  # with the page cache on, size hardly matters
            continue
        p50, throughput = row["p50_full_over_tenth"], row["rps_full_over_tenth"]
        targets.append(
            _check(
                f"scale p50 full/tenth {row['endpoint']} (cache off)",
                p50,
                None if p50 is None else p50 <= SCALE_MAX,
                f"<= {SCALE_MAX:g}",
            )
        )
        targets.append(
            _check(
                f"scale rps full/tenth {row['endpoint']} (cache off)",
                throughput,
                None if throughput is None else throughput >= 1 / SCALE_MAX,
                f">= {1 / SCALE_MAX:.3g}",
            )
        )
    return targets


# --- the table ----------------------------------------------------------------------------


def _num(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def format_table(
    runs: Sequence[Mapping[str, Any]], queries: Mapping[str, Mapping[str, Mapping[str, Any]]]
) -> str:
    """One line per database, endpoint and cache setting; queries are keyed db → cache → name."""
    header = (
        "db",
        "endpoint",
        "cache",
        "rps",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "errors",
        "queries c/w",
        "× bare",
        "note",
    )
    rows = [header]
    order = {name: number for number, name in enumerate(FULL_ENDPOINTS)}
    lines = []
    for run in runs:
        for name, result in run["results"].items():
            lines.append((run["database"], order.get(name, 99), run["cache"], name, result))
    lines.sort(key=lambda line: (line[0] != "full", line[1], line[2] != "on"))
    for database, _order, cache, name, result in lines:
        wrk = result.get("wrk")
        count = queries.get(database, {}).get(cache, {}).get(name, {})
        cold, warm = count.get("cold"), count.get("warm")
        rows.append(
            (
                database,
                name,
                cache,
                _num(rps(result), 0),
                _num(latency(result, "p50")),
                _num(latency(result, "p95")),
                _num(latency(result, "p99")),
                str(wrk["errors"]["total"]) if wrk else "-",
                f"{'-' if cold is None else cold}/{'-' if warm is None else warm}",
                _num(result.get("ratio_to_bare"), 2),
                result.get("error") or "",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    right = {3, 4, 5, 6, 7, 8, 9}
    out = []
    for number, row in enumerate(rows):
        cells = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        out.append("  ".join(cells).rstrip())
        if number == 0:
            out.append("  ".join("-" * width for width in widths))
    return "\n".join(out)


def format_scale(rows: Sequence[Mapping[str, Any]]) -> str:
    lines = []
    for row in rows:
        lines.append(
            f"  {row['endpoint']:<18} cache {row['cache']:<3}  "
            f"p50 full/tenth {_num(row['p50_full_over_tenth'], 2):>6}   "
            f"rps full/tenth {_num(row['rps_full_over_tenth'], 2):>6}"
        )
    return "\n".join(lines)


def format_targets(targets: Sequence[Target]) -> str:
    lines = []
    for target in targets:
        value = (
            "" if target.value is None else f" {target.value:,.{3 if target.value < 10 else 1}f}"
        )
        limit = f" ({target.limit})" if target.limit else ""
        detail = f"  — {target.detail}" if target.detail else ""
        lines.append(f"  {target.status:<4}  {target.name}:{value}{limit}{detail}")
    counts = {
        status: sum(t.status == status for t in targets) for status in ("PASS", "FAIL", "SKIP")
    }
    lines.append("  targets: " + ", ".join(f"{n} {status}" for status, n in counts.items()))
    return "\n".join(lines)
