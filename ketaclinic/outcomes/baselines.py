"""Literature relapse baselines to show beside a clinic's own curve (DOMAIN.md section 4).

Shown always with their definition, because they measure different things: "drink at all"
is any use (a lapse in our terms), "return to pre-treatment levels" is a relapse. The
`definition` strings are the domain's words, unchanged; no figure here comes from anywhere
else. Compare them with `survival.relapse_at(curve, 365)`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Baseline:
    key: str
    label: str
    figure: str  # as the domain states it
    low_percent: float  # the lower end of the range (the single figure for "about" or ">")
    high_percent: float | None  # None: an open ("> 75 %") or single ("about 20 %") figure
    horizon_months: int
    measures: str  # "any use" (a lapse) or "relapse"
    definition: str  # DOMAIN.md section 4, word for word


# One sentence in the domain covers both treated-AUD figures; each shows it whole.
_AUD = "treated AUD 40-80 % drink at all in year one, about 20 % return to pre-treatment levels"

# DOMAIN.md section 4 gives no horizon for the NIDA figure; it is shown at 12 months, beside
# the others, with its definition saying exactly what it is.
BASELINES: tuple[Baseline, ...] = (
    Baseline(
        key="nida_drug",
        label="NIDA, drug addiction",
        figure="40-60 %",
        low_percent=40,
        high_percent=60,
        horizon_months=12,
        measures="relapse",
        definition="NIDA 40-60 % relapse for drug addiction",
    ),
    Baseline(
        key="aud_any_drinking",
        label="Treated alcohol use disorder, any drinking",
        figure="40-80 %",
        low_percent=40,
        high_percent=80,
        horizon_months=12,
        measures="any use",
        definition=_AUD,
    ),
    Baseline(
        key="aud_pretreatment_levels",
        label="Treated alcohol use disorder, back to pre-treatment levels",
        figure="about 20 %",
        low_percent=20,
        high_percent=None,
        horizon_months=12,
        measures="relapse",
        definition=_AUD,
    ),
    Baseline(
        key="miller_hester",
        label="Miller & Hester, alcoholism studies",
        figure="> 75 %",
        low_percent=75,
        high_percent=None,
        horizon_months=12,
        measures="relapse",
        definition="> 75 % relapse within a year across 500+ alcoholism studies (Miller & Hester)",
    ),
    Baseline(
        key="hunt",
        label="Hunt, after cessation",
        figure="80-95 %",
        low_percent=80,
        high_percent=95,
        horizon_months=12,
        measures="relapse",
        definition="80-95 % at 12 months after cessation (Hunt)",
    ),
)
