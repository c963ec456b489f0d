"""Invariants the database keeps for inquiries and their history."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from ketaclinic.intake.models import Answer, ContactMethod, InquiryStatus, InquiryStatusChange


def test_a_crisis_inquiry_cannot_be_stored_as_not_urgent(boston, inquiry_factory):
    with pytest.raises(IntegrityError):
        inquiry_factory(site=boston, crisis_reported=True, is_urgent=False)


def test_an_inquiry_must_be_reachable_by_the_method_it_asked_for(boston, inquiry_factory):
    with pytest.raises(IntegrityError):
        inquiry_factory(site=boston, preferred_contact=ContactMethod.EMAIL, email="")


def test_a_history_row_needs_a_note_and_a_real_change(frontdesk, boston, inquiry_factory):
    inquiry = inquiry_factory(site=boston)

    for from_status, to_status, note in [
        (InquiryStatus.NEW, InquiryStatus.NEW, "same"),
        (InquiryStatus.NEW, InquiryStatus.CLOSED, ""),
    ]:
        with pytest.raises(ValidationError):
            InquiryStatusChange(
                inquiry=inquiry,
                from_status=from_status,
                to_status=to_status,
                note=note,
                changed_by=frontdesk,
            ).full_clean()


def test_addictions_must_be_known_and_other_needs_its_text(boston, inquiry_factory):
    inquiry = inquiry_factory.build(site=boston, addictions=["alcohol", "chocolate"])
    with pytest.raises(ValidationError) as unknown:
        inquiry.full_clean()
    assert unknown.value.message_dict == {
        "addictions": ["Choose only from the listed options, each once."]
    }

    inquiry.addictions = ["other"]
    with pytest.raises(ValidationError) as other:
        inquiry.full_clean()
    assert other.value.message_dict == {"addiction_other": ["Say what 'other' is."]}


def test_labels_for_the_queue(boston, inquiry_factory):
    inquiry = inquiry_factory.build(
        site=boston,
        addictions=["opioids", "other"],
        addiction_other="Video games",
        pregnancy=Answer.YES,
        prior_ketamine_misuse=Answer.YES,
        psychosis_history=Answer.UNSURE,
    )

    assert inquiry.addiction_labels == ["Opioids", "Other: Video games"]
    assert inquiry.prescreen_yes == ["Pregnancy", "Prior ketamine misuse"]
