"""The outcome benchmark script in small mode (--patients 200 --days 60), on the test
database: it seeds, times every case and reports in the shape the committed JSON has."""

from __future__ import annotations

from benchmarks import outcomes_benchmark


def test_outcome_benchmark_small_mode_reports_every_case(db):
    """Given an empty database, when the benchmark runs in small mode, then it seeds once,
    times the analytics for three users and three filter sets and the page for two, and
    reports row counts, machine, database and the 2-second target; seeding again with the
    same parameters reuses the data."""
    result = outcomes_benchmark.run(patients=200, days=60, seed=42, runs=1)

    assert set(result) == {
        "benchmark",
        "patients",
        "days",
        "seed",
        "database",
        "machine",
        "seeding",
        "rows",
        "selector",
        "page",
        "target_seconds",
        "summary",
        "method",
    }
    assert (result["benchmark"], result["patients"], result["days"]) == ("outcomes", 200, 60)
    assert result["target_seconds"] == 2.0
    assert result["seeding"]["reused"] is False
    assert result["seeding"]["marker"] == "patients=200 days=60 seed=42"
    assert result["rows"]["patients"] == 200
    assert result["rows"]["target_outcomes"] == result["rows"]["addiction_targets"]
    assert result["rows"]["daily_records"] > 200 * 60
    cases = {(c["user"], c["filters"]) for c in result["selector"]}
    assert cases == {
        (user, name)
        for user in ("researcher", "physician", "bench-researcher")
        for name in ("none", "protocol", "target")
    }
    everyone = next(
        c for c in result["selector"] if (c["user"], c["filters"]) == ("bench-researcher", "none")
    )
    assert everyone["sites"] == 2
    assert everyone["subjects"] == result["rows"]["target_outcomes"]
    assert everyone["cox_fitted"] is True
    assert all(len(c["warm_seconds"]) == 1 for c in result["selector"])
    assert [p["status"] for p in result["page"]] == [200] * 6
    assert set(result["summary"]) == {
        "slowest_warm_median_seconds",
        "slowest_cold_seconds",
        "within_target",
    }
    assert result["database"]["vendor"] in ("sqlite", "postgresql")
    assert result["machine"]["cpus"] >= 1
    assert outcomes_benchmark.result_name(result) == (
        f"outcomes-small-{result['database']['vendor']}.json"
    )

    again = outcomes_benchmark.ensure_seeded(patients=200, days=60, seed=42)

    assert (again["reused"], again["marker"]) == (True, "patients=200 days=60 seed=42")
    assert set(again["phases_seconds_from_audit"]) == {
        "clinical records",
        "treatment history and daily records",
        "recompute_all (outcomes)",
    }
