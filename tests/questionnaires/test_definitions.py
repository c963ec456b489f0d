"""Instrument definitions as data: the packaged ten, and validation of new ones."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import pytest

from ketaclinic.questionnaires.scoring import (
    DEFINITIONS_DIR,
    DefinitionError,
    UnknownInstrumentError,
    all_definitions,
    load_definition,
    parse_definition,
    score,
    validate_definition,
)
from tests.questionnaires.helpers import band_code

CODES = [
    "audit",
    "auditc",
    "craving",
    "cssrs_screen",
    "dast10",
    "gad7",
    "meq30",
    "pacs",
    "pgsi",
    "phq9",
]


def _raw(code: str) -> dict[str, Any]:
    raw: dict[str, Any] = json.loads((DEFINITIONS_DIR / f"{code}.json").read_text(encoding="utf-8"))
    return raw


def _tiny() -> dict[str, Any]:
    """A made-up two-item instrument, the shape a clinic would add as data."""
    yes_no = [{"value": 0, "label": "No"}, {"value": 1, "label": "Yes"}]
    return {
        "code": "tiny",
        "version": "1.0",
        "title": "Tiny screen",
        "description": "In the past week...",
        "citation": "Test fixture.",
        "licence_note": "Test fixture.",
        "loinc": None,
        "items": [
            {"id": "tiny_1", "number": 1, "text": "First?", "options": yes_no, "required": True},
            {
                "id": "tiny_2",
                "number": 2,
                "text": "Second?",
                "options": yes_no,
                "required": True,
                "show_if": {"item": "tiny_1", "equals": 1},
            },
        ],
        "scoring": {"method": "sum"},
        "bands": [
            {"code": "negative", "label": "Negative", "min": 0, "max": 1},
            {"code": "positive", "label": "Positive", "min": 2, "max": 2},
        ],
        "flags": [{"code": "both_yes", "when": {"band_in": ["positive"]}, "message": "Both yes."}],
        "safety_rules": [],
    }


def test_the_ten_instruments_are_packaged():
    """Given the definitions folder, when all definitions are loaded, then exactly the ten
    instruments of the issue are there."""
    assert [d.code for d in all_definitions()] == CODES


@pytest.mark.parametrize("code", CODES)
def test_every_packaged_definition_passes_validation(code):
    """Given a packaged definition, when validated, then no problem is found."""
    assert validate_definition(_raw(code)) == []


@pytest.mark.parametrize(
    ("code", "count"),
    [
        ("phq9", 9),
        ("gad7", 7),
        ("audit", 10),
        ("auditc", 3),
        ("dast10", 10),
        ("pacs", 5),
        ("meq30", 30),
        ("cssrs_screen", 6),
        ("pgsi", 9),
        ("craving", 1),
    ],
)
def test_item_ids_are_stable_and_numbered(code, count):
    """Given an instrument, when reading its items, then ids are '<prefix>_<number>' for
    numbers 1..n and every item carries a citation-backed definition."""
    definition = load_definition(code)
    prefix = "cssrs" if code == "cssrs_screen" else code

    assert definition.item_ids == tuple(f"{prefix}_{n}" for n in range(1, count + 1))
    assert all(d.strip() for d in (definition.citation, definition.licence_note))


@pytest.mark.parametrize(
    ("code", "panel", "total"),
    [
        ("phq9", "44249-1", "44261-6"),
        ("gad7", "69737-5", "70274-6"),
        ("audit", "72110-0", "75624-7"),
        ("auditc", "72109-2", "75626-2"),
        ("dast10", "82666-9", "82667-7"),
    ],
)
def test_loinc_codes(code, panel, total):
    """Given an instrument with LOINC codes, when loaded, then panel and total match."""
    loinc = load_definition(code).loinc

    assert loinc is not None
    assert (loinc.panel, loinc.total) == (panel, total)


@pytest.mark.parametrize("code", ["pacs", "meq30", "cssrs_screen", "pgsi", "craving"])
def test_instruments_without_loinc_say_so(code):
    """Given an instrument without LOINC codes, when loaded, then loinc is None."""
    assert load_definition(code).loinc is None


def test_option_ranges_match_the_published_scales():
    """Given the packaged instruments, when reading the answer values, then they are the
    published ranges (AUDIT 9-10: 0, 2, 4; DAST-10 and C-SSRS: yes/no)."""
    values = {(d.code, i.id): i.allowed_values for d in all_definitions() for i in d.items}

    assert values[("audit", "audit_8")] == (0, 1, 2, 3, 4)
    assert values[("audit", "audit_9")] == values[("audit", "audit_10")] == (0, 2, 4)
    assert values[("pacs", "pacs_3")] == (0, 1, 2, 3, 4, 5, 6)
    assert values[("pgsi", "pgsi_9")] == (0, 1, 2, 3)
    assert values[("craving", "craving_1")] == tuple(range(11))
    assert values[("dast10", "dast10_3")] == values[("cssrs_screen", "cssrs_6")] == (0, 1)


def test_loading_is_cached():
    """Given a loaded definition, when loaded again, then the same object is returned."""
    assert load_definition("phq9") is load_definition("phq9")


@pytest.mark.parametrize("code", ["phq10", "../phq9", "PHQ9", ""])
def test_unknown_codes_are_refused(code):
    """Given a code that names no packaged instrument, when loaded, then it is refused."""
    with pytest.raises(UnknownInstrumentError):
        load_definition(code)


def test_a_new_instrument_is_data_only():
    """Given a new definition as a dict, when validated, parsed and scored, then it works
    with skip logic, bands and flags and no new code."""
    assert validate_definition(_tiny()) == []
    definition = parse_definition(_tiny())

    yes_yes = score(definition, {"tiny_1": 1, "tiny_2": 1})
    no = score(definition, {"tiny_1": 0})

    assert (yes_yes.total, band_code(yes_yes), yes_yes.flags) == (2, "positive", ("both_yes",))
    assert (no.total, band_code(no), no.flags) == (0, "negative", ())
    assert no.total_percent_of_max == Decimal("0.00")


def _broken(change) -> list[str]:
    raw = _tiny()
    change(raw)
    return validate_definition(raw)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda d: d["bands"][1].update(min=3, max=3),
            "bands: gap: no band covers totals 2 to 2",
        ),
        (
            lambda d: d["bands"][1].update(min=1),
            "bands: overlap: bands 'negative' and 'positive' both cover 1",
        ),
        (
            lambda d: d["bands"][1].update(max=3),
            "bands: bands must stay within the possible totals 0-2",
        ),
        (
            lambda d: d["bands"][0].update(max=0),
            "bands: gap: no band covers totals 1 to 1",
        ),
        (
            lambda d: d["flags"][0].update(when={"item": "tiny_9", "gt": 0}),
            "flags[0].when: refers to 'tiny_9', which is not an item",
        ),
        (
            lambda d: d["flags"][0].update(when={"item": "tiny_1", "equals": 2}),
            "flags[0].when: compares tiny_1 with 2, not among its answers [0, 1]",
        ),
        (
            lambda d: d["flags"][0].update(when={"band_in": ["amber"]}),
            "flags[0].when: band_in must list known band codes (['negative', 'positive'])",
        ),
        (
            lambda d: d["flags"][0].update(when={"score": "harm", "gte": 1}),
            "flags[0].when: 'harm' is neither 'total' nor a subscale code",
        ),
        (
            lambda d: d["flags"][0].update(when={"item": "tiny_1", "gt": 0, "lt": 1}),
            "flags[0].when: needs exactly one of item, score, percent_of_max, context and one of "
            "equals, not_equals, gt, gte, lt, lte, in, not_in "
            "(or one of all, any, not, band_in, all_subscales_pct_gte)",
        ),
        (
            lambda d: d["items"][0].update(show_if={"item": "tiny_2", "equals": 1}),
            "items[0].show_if: refers to 'tiny_2', which is not an earlier item",
        ),
        (
            lambda d: d["items"][1].update(id="tiny_1"),
            "items[1].id: 'tiny_1' is used by an earlier item",
        ),
        (
            lambda d: d["items"][1].update(number=3),
            "items[1].number: must be 2 (items are numbered 1, 2, 3...)",
        ),
        (
            lambda d: d["items"][0].update(options=[{"value": 0, "label": "A"}] * 2),
            "items[0].options[1]: value 0 is used by an earlier option",
        ),
        (
            lambda d: d["scoring"].update(method="median"),
            "scoring.method: must be one of sum, mean, highest_positive",
        ),
        (
            lambda d: d["scoring"].update(
                subscales=[{"code": "s", "label": "S", "items": ["tiny_3"], "method": "sum"}]
            ),
            "scoring.subscales[0].items: unknown item id(s) tiny_3",
        ),
        (
            lambda d: d["scoring"].update(method="mean"),
            "bands: bands need a whole-number total (method sum or highest_positive)",
        ),
        (
            lambda d: d.update(
                safety_rules=[
                    {
                        "code": "risk",
                        "level": "someday",
                        "when": {"item": "tiny_1", "gt": 0},
                        "message": "Call.",
                    }
                ]
            ),
            "safety_rules[0].level: must be one of immediate, same_day",
        ),
        (
            lambda d: d.update(loinc={"panel": "44249", "total": None}),
            "loinc.panel: '44249' is not a LOINC code such as 44261-6",
        ),
        (lambda d: d.update(colour="blue"), "definition: unknown key(s) colour"),
        (lambda d: d.pop("citation"), "definition: missing citation"),
        (
            lambda d: d.update(code="Tiny Screen"),
            "code: must be lower-case letters, digits and _, starting with a letter",
        ),
    ],
)
def test_validation_catches_a_broken_definition(change, problem):
    """Given a definition with one mistake, when validated, then the problem is named."""
    assert problem in _broken(change)


def test_validation_of_a_non_object():
    """Given something that is not a JSON object, when validated, then that is the problem."""
    assert validate_definition(["phq9"]) == ["definition: must be a JSON object"]


def test_validation_survives_garbage_inside():
    """Given items, bands and scoring of the wrong types, when validated, then problems
    are listed instead of an exception."""
    raw = _tiny() | {"items": "none", "bands": {"a": 1}, "scoring": [], "flags": None}

    problems = validate_definition(raw)

    assert "items: must be a list" in problems
    assert "bands: must be a list" in problems
    assert "scoring: must be a JSON object" in problems
    assert "flags: must be a list" in problems


def test_a_mean_needs_items_on_the_same_scale():
    """Given a mean-scored instrument whose items have different maxima, when validated,
    then the mismatch is reported (percent of maximum would be meaningless)."""
    raw = _tiny() | {"bands": [], "flags": []}
    raw["scoring"] = {"method": "mean"}
    raw["items"][1]["options"] = [{"value": 0, "label": "No"}, {"value": 2, "label": "Yes"}]

    assert validate_definition(raw) == [
        "scoring: a mean needs items that all score from 0 to the same maximum"
    ]


def test_parse_refuses_a_broken_definition_listing_its_problems():
    """Given a definition with a band gap, when parsed, then DefinitionError lists it."""
    raw = copy.deepcopy(_raw("phq9"))
    raw["bands"][1]["min"] = 6

    with pytest.raises(DefinitionError) as refused:
        parse_definition(raw)

    assert refused.value.problems == ["bands: gap: no band covers totals 5 to 5"]
