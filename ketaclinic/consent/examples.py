"""Example consent texts shipped with Ketaclinic, clearly labelled as examples.

Migration 0002 and `seed.ensure_example_templates` both call `create_examples`, which takes
the model classes so the migration can pass its historical models. Keep these names.
The effects listed in the treatment consent are the adverse events DOMAIN.md section 2
tells clinics to record; the Part 2 elements are DOMAIN.md section 5 (42 CFR 2.31).
"""

from __future__ import annotations

from typing import Any

EXAMPLE_BANNER = (
    "Example text — have your counsel review before use. Ketaclinic ships this wording as a "
    "placeholder; it is not legal or medical advice. Your medical director and counsel must "
    "replace it with the clinic's own text."
)

TREATMENT_TITLE = "Informed consent for IV ketamine treatment (example)"
# Paragraphs are single lines: the pages turn each newline into a line break.
TREATMENT_BODY = "\n\n".join(
    [
        EXAMPLE_BANNER,
        "What this treatment is",
        "The clinic offers ketamine given into a vein (an infusion) under medical supervision, "
        "as part of an addiction programme. Before your first infusion you meet a physician to "
        "prepare; after every infusion you meet a therapist to talk through the experience.",
        "What happens at each infusion",
        "Before each infusion staff check who you are, your weight, your blood pressure, pulse, "
        "breathing and oxygen level, any recent alcohol or drug use, your mood and safety, and "
        "that an adult can take you home. Staff keep checking these during and after the "
        "infusion. You must not drive for the rest of the day.",
        "Possible effects and risks",
        "Your physician will go through the risks that apply to you, including those in your "
        "ketamine-misuse risk-benefit assessment. Effects the clinic watches for include a rise "
        "in blood pressure or heart rate, changes in breathing, nausea or vomiting, distressing "
        "dream-like experiences or agitation, feeling detached from your body or surroundings, "
        "double vision, bladder problems with repeated use, problems where the needle goes in, "
        "and allergic reactions. Ketamine can itself be misused.",
        "Your choices",
        "Taking part is voluntary. You may ask questions at any time, and you may stop "
        "treatment at any time by telling staff.",
        "By typing my name below I confirm that I have read this form (or had it read to me), "
        "that my questions were answered, and that I agree to ketamine treatment.",
    ]
)

PART2_REVOCATION = (
    "You may revoke this consent at any time by telling clinic staff in person or in writing, "
    "except where the clinic has already acted on it. Revoking it does not change your care. "
    "(Example wording — have your counsel review before use.)"
)

_PART2_ELEMENTS = "\n".join(
    [
        "Federal rules (42 CFR Part 2) protect the confidentiality of your substance use "
        "treatment records. The clinic may disclose them with your written consent.",
        "",
        "The details with your signature say:",
        "- who may disclose the information;",
        "- exactly what information may be disclosed;",
        "- who may receive it (a named person or organisation, or a class of recipients; one "
        "consent may cover all future uses for treatment, payment and health care operations);",
        "- why it is disclosed;",
        "- when this consent ends (a date or an event);",
        "- your right to revoke this consent and how.",
        "",
        "Every disclosure made with your consent carries a notice that forbids the recipient "
        "from disclosing it further except as federal rules allow.",
    ]
)

PART2_TITLE = "Consent to disclose substance use treatment records, 42 CFR Part 2 (example)"
PART2_BODY = f"{EXAMPLE_BANNER}\n\n{_PART2_ELEMENTS}"

COUNSELLING_TITLE = "Consent to disclose counselling notes, 42 CFR Part 2 (example)"
COUNSELLING_BODY = (
    f"{EXAMPLE_BANNER}\n\nThis consent covers your counselling notes only. Counselling notes "
    f"need their own specific consent, separate from any consent for your other records.\n\n"
    f"{_PART2_ELEMENTS}"
)

# 42 CFR 2.32(a) as amended by the 2024 final rule (89 FR 12472, 16 Feb 2024). DOMAIN.md
# section 5: confirm the 2024 wording before release.
NOTICE_TEXT = (
    "This record which has been disclosed to you is protected by Federal confidentiality rules "
    "(42 CFR part 2). These rules prohibit you from using or disclosing this record, or "
    "testimony that describes the information contained in this record, in any civil, "
    "criminal, administrative, or legislative proceedings by any Federal, State, or local "
    "authority, against the patient, unless authorized by the consent of the patient, except "
    "as provided at 42 CFR 2.12(c)(5) or as authorized by a court in accordance with 42 CFR "
    "2.64 or 2.65. In addition, the Federal rules prohibit you from making any other use or "
    "disclosure of this record unless at least one of the following applies: (i) Further use "
    "or disclosure is expressly permitted by the written consent of the individual whose "
    "information is being disclosed in this record or as otherwise permitted by 42 CFR part "
    "2. (ii) You are a covered entity or business associate and have received the record for "
    "treatment, payment, or health care operations, or (iii) You have received the record "
    "from a covered entity or business associate as permitted by 45 CFR part 164, subparts A "
    "and E. A general authorization for the release of medical or other information is NOT "
    "sufficient to meet the required elements of written consent to further use or "
    "redisclose the record (see 42 CFR 2.31)."
)
NOTICE_ABBREVIATED = "42 CFR part 2 prohibits unauthorized use or disclosure of these records."
NOTICE_SOURCE = "42 CFR 2.32(a), as amended by the final rule of 16 Feb 2024 (89 FR 12472)"
NOTICE_REVIEW_NOTE = (
    "Example text: confirm the 2024 wording against the current eCFR before release "
    "(Ketaclinic domain reference, section 5)."
)

TEMPLATES: list[dict[str, str]] = [
    {"kind": "treatment_ketamine", "title": TREATMENT_TITLE, "body": TREATMENT_BODY},
    {
        "kind": "part2_disclosure",
        "title": PART2_TITLE,
        "body": PART2_BODY,
        "revocation_statement": PART2_REVOCATION,
    },
    {
        "kind": "counselling_notes_part2",
        "title": COUNSELLING_TITLE,
        "body": COUNSELLING_BODY,
        "revocation_statement": PART2_REVOCATION,
    },
]


def create_examples(*, template_model: Any, notice_model: Any, now: Any) -> int:
    """Add each example as an active all-sites version 1 where its kind has no template yet."""
    created = 0
    for example in TEMPLATES:
        if template_model.objects.filter(kind=example["kind"]).exists():
            continue
        template_model.objects.create(
            version=1, site=None, status="active", activated_at=now, **example
        )
        created += 1
    if not notice_model.objects.exists():
        notice_model.objects.create(
            version=1,
            text=NOTICE_TEXT,
            abbreviated_text=NOTICE_ABBREVIATED,
            source=NOTICE_SOURCE,
            review_note=NOTICE_REVIEW_NOTE,
        )
        created += 1
    return created
