"""Installing instrument definitions as rows: shared by the data migration and the service.

A new instrument, or a new version of one, is a data change: a definition that passes
`scoring.validate_definition`, installed by a migration or by `instrument_import`.
"""

from __future__ import annotations

import json
from typing import Any

from ketaclinic.questionnaires import scoring


def packaged_definitions() -> list[dict[str, Any]]:
    """The JSON of every definition shipped in `definitions/`, by code."""
    paths = sorted(scoring.DEFINITIONS_DIR.glob("*.json"))
    return [json.loads(path.read_text(encoding="utf-8")) for path in paths]


def definition_install(*, instrument_model: Any, raw: object) -> tuple[Any, bool]:
    """Store `raw` as the active version of its instrument; (row, created).

    Installing the same code and version again with the same content changes nothing;
    with different content it is refused, because responses already given with that
    version must keep meaning what they meant. The newest install becomes the active one.
    `instrument_model` is the Instrument model (or its historical twin in a migration).
    """
    problems = scoring.validate_definition(raw)
    if problems:
        raise scoring.DefinitionError(problems)
    assert isinstance(raw, dict)  # guaranteed by validate_definition
    code, version = raw["code"], raw["version"]
    existing = instrument_model.objects.filter(code=code, version=version).first()
    if existing is not None:
        if existing.definition != raw:
            raise scoring.DefinitionError(
                [
                    f"version: {code} version {version} is already installed with different "
                    "content; give the changed definition a new version"
                ]
            )
        return existing, False
    instrument_model.objects.filter(code=code, is_active=True).update(is_active=False)
    row = instrument_model.objects.create(
        code=code, version=version, title=raw["title"], definition=raw, is_active=True
    )
    return row, True
