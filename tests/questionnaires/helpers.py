"""Building answer sets for the worked examples."""

from __future__ import annotations

from collections.abc import Sequence

from ketaclinic.questionnaires.scoring import ScoreResult, load_definition, score


def answers_for(code: str, values: Sequence[int]) -> dict[str, int]:
    """Answers to every item of `code`, in item order."""
    return dict(zip(load_definition(code).item_ids, values, strict=True))


def score_values(
    code: str, values: Sequence[int], context: dict[str, str] | None = None
) -> ScoreResult:
    return score(load_definition(code), answers_for(code, values), context=context)


def band_code(result: ScoreResult) -> str | None:
    return None if result.band is None else result.band.code
