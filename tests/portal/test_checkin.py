"""The daily check-in page: one form for every active target, editable the same day."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from ketaclinic.audit.models import Action, AuditEvent
from ketaclinic.core.errors import ApplicationError
from ketaclinic.patients.models import RecoveryUnit, Target
from ketaclinic.portal.forms import CheckinForm
from ketaclinic.portal.selectors import patient_today
from ketaclinic.recovery.models import DailyRecord, Source
from tests.patients.factories import AddictionTargetFactory

URL = "/portal/checkin/"
FIELDS = (
    "target__target",
    "day",
    "source",
    "used",
    "quantity",
    "unit",
    "craving",
    "mood",
    "triggers",
    "trigger_note",
    "note",
    "recall_lag_days",
)


def _answers(alcohol, gambling, day: dt.date, **changes: object) -> dict[str, object]:
    """Alcohol: not used, craving 3. Gambling: used, $25.50, craving 7, two triggers."""
    data: dict[str, object] = {
        "day-day": day.isoformat(),
        "day-mood": "4",
        f"target-{alcohol.pk}-used": "no",
        f"target-{alcohol.pk}-craving": "3",
        f"target-{gambling.pk}-used": "yes",
        f"target-{gambling.pk}-quantity": "25.50",
        f"target-{gambling.pk}-craving": "7",
        f"target-{gambling.pk}-triggers": ["stress", "money"],
        f"target-{gambling.pk}-trigger_note": "Payday at work",
        f"target-{gambling.pk}-note": "Went to the casino after work.",
    }
    data.update({key.replace("__", "-"): value for key, value in changes.items()})
    return data


def _records() -> list[tuple[object, ...]]:
    return list(DailyRecord.objects.order_by("target_id").values_list(*FIELDS))


def test_the_form_has_one_part_per_active_target_and_guesses_nothing(
    patient_client, alcohol, gambling, physician
):
    """Given alcohol and gambling (active) and an ended cannabis target, when the patient
    opens the check-in, then alcohol and gambling are asked with their own question and
    unit, no answer is preselected, and the ended target is not asked about."""
    ended = AddictionTargetFactory(
        patient=alcohol.patient,
        target=Target.CANNABIS,
        unit=RecoveryUnit.USE_EPISODES,
        is_active=False,
        ended_at=timezone.now(),
        ended_by=physician,
        ended_reason="Stopped before intake",
    )

    response = patient_client.get(URL)

    content = response.content.decode()
    assert response.status_code == 200
    assert "Did you drink alcohol today?" in content
    assert "Did you gamble today?" in content
    assert "How much? Standard drinks (US, 14 g ethanol each)" in content
    assert "How much? Money spent (USD)" in content
    assert f'id="checkin-target-{ended.pk}"' not in content
    assert " checked" not in content
    assert "Send my check-in" in content


def test_sending_the_check_in_saves_exact_records_and_shows_the_progress(
    patient_client, active_account, alcohol, gambling
):
    """Given no check-in today, when the patient answers both targets, then one self-report
    per target is saved with exactly the typed values, and the progress page says so."""
    today = patient_today(patient=alcohol.patient)

    response = patient_client.post(URL, _answers(alcohol, gambling, today))

    assert (response.status_code, response["Location"]) == (302, "/portal/progress/")
    assert _records() == [
        ("alcohol", today, Source.SELF_REPORT, False, Decimal("0.00"), "standard_drinks",
         3, 4, [], "", "", 0),
        ("gambling", today, Source.SELF_REPORT, True, Decimal("25.50"), "money_usd",
         7, 4, ["money", "stress"], "Payday at work", "Went to the casino after work.", 0),
    ]  # fmt: skip
    assert set(DailyRecord.objects.values_list("recorded_by", flat=True)) == {
        active_account.user_id
    }
    page = patient_client.get(response["Location"]).content.decode()
    assert "Thank you: today&#x27;s check-in is saved." in page
    assert "1 day in a row</span> without alcohol" in page
    assert f'data-day="{today.isoformat()}" data-status="used"' in page


def test_the_same_day_check_in_is_prefilled_and_edited_in_place(patient_client, alcohol, gambling):
    """Given today's check-in, when the patient opens it again, then their answers are
    prefilled; when they change gambling to not used, then the same two records change."""
    today = patient_today(patient=alcohol.patient)
    patient_client.post(URL, _answers(alcohol, gambling, today))
    ids = list(DailyRecord.objects.order_by("target_id").values_list("pk", flat=True))

    page = patient_client.get(URL).content.decode()
    response = patient_client.post(
        URL,
        _answers(
            alcohol,
            gambling,
            today,
            **{
                f"target__{gambling.pk}__used": "no",
                f"target__{gambling.pk}__craving": "2",
                f"target__{gambling.pk}__triggers": [],
                f"target__{gambling.pk}__trigger_note": "",
                f"target__{gambling.pk}__note": "",
            },
        ),
    )

    assert f'value="yes" id="id_target-{gambling.pk}-used_1" required checked' in page
    assert f'name="target-{gambling.pk}-quantity" value="25.50"' in page
    assert 'value="4" id="id_day-mood_3" checked' in page
    assert "Save my changes" in page
    assert response.status_code == 302
    assert list(DailyRecord.objects.order_by("target_id").values_list("pk", flat=True)) == ids
    assert _records()[1] == (
        "gambling", today, Source.SELF_REPORT, False, Decimal("0.00"), "money_usd",
        2, 4, [], "", "", 0,
    )  # fmt: skip


def test_bad_answers_are_refused_with_every_typed_value_kept(patient_client, alcohol, gambling):
    """Given alcohol left unanswered and gambling 'yes' without an amount, when the patient
    sends, then the answer is 400 with a message next to each field, what they typed is
    still there, and nothing is saved."""
    today = patient_today(patient=alcohol.patient)
    data = _answers(alcohol, gambling, today, **{f"target__{gambling.pk}__quantity": ""})
    del data[f"target-{alcohol.pk}-used"]

    response = patient_client.post(URL, data)

    content = response.content.decode()
    assert response.status_code == 400
    assert (
        f'<ul class="errorlist" id="id_target-{alcohol.pk}-used_errors"><li>Choose Yes or No.'
        in content
    )
    assert f'aria-describedby="id_target-{alcohol.pk}-used_errors"' in content
    assert "Enter how much, or choose No if you did not use." in content
    assert f'aria-describedby="id_target-{gambling.pk}-quantity_errors"' in content
    assert f'value="7" id="id_target-{gambling.pk}-craving_7" checked' in content
    assert f'value="money" id="id_target-{gambling.pk}-triggers_9" checked' in content
    assert "Went to the casino after work.</textarea>" in content
    assert 'value="Payday at work"' in content
    assert DailyRecord.objects.count() == 0


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("lots", "Enter a number, for example 2 or 1.5."),
        ("0", "Enter an amount above 0, or choose No."),
        ("1234567.5", "That amount is too large: check it."),
    ],
)
def test_an_impossible_amount_is_refused(patient_client, alcohol, gambling, quantity, message):
    """Given gambling 'yes', when the amount is not a positive number that fits, then 400
    with the reason, the amount kept, and nothing saved."""
    today = patient_today(patient=alcohol.patient)
    data = _answers(alcohol, gambling, today, **{f"target__{gambling.pk}__quantity": quantity})

    response = patient_client.post(URL, data)

    content = response.content.decode()
    assert response.status_code == 400
    assert message in content
    assert f'value="{quantity}"' in content
    assert DailyRecord.objects.count() == 0


def test_a_trigger_outside_the_list_is_refused(patient_client, alcohol, gambling):
    today = patient_today(patient=alcohol.patient)
    data = _answers(alcohol, gambling, today, **{f"target__{gambling.pk}__triggers": ["weather"]})

    response = patient_client.post(URL, data)

    assert response.status_code == 400
    assert "Pick from the list, or write it in the box." in response.content.decode()
    assert DailyRecord.objects.count() == 0


def test_a_form_left_open_past_midnight_is_not_saved_for_the_new_day(
    patient_client, alcohol, gambling
):
    """Given a check-in page opened yesterday, when it is sent today, then 400 naming the
    ended day, and nothing is saved for either day."""
    yesterday = patient_today(patient=alcohol.patient) - dt.timedelta(days=1)

    response = patient_client.post(URL, _answers(alcohol, gambling, yesterday))

    content = response.content.decode()
    assert response.status_code == 400
    assert (
        f"This check-in was for {yesterday:%A, %B} {yesterday.day}, {yesterday.year}, which "
        "has ended." in content
    )
    assert DailyRecord.objects.count() == 0


def test_a_check_in_for_a_later_day_is_not_saved(patient_client, alcohol, gambling):
    """Given a check-in sent with tomorrow's date, then 400 saying that day has not begun,
    and nothing is saved."""
    tomorrow = patient_today(patient=alcohol.patient) + dt.timedelta(days=1)

    response = patient_client.post(URL, _answers(alcohol, gambling, tomorrow))

    assert response.status_code == 400
    assert (
        f"This check-in was for {tomorrow:%A, %B} {tomorrow.day}, {tomorrow.year}, which "
        "has not begun." in response.content.decode()
    )
    assert DailyRecord.objects.count() == 0


def test_the_check_in_read_is_audited_as_the_patients_own(patient_client, active_account, alcohol):
    patient_client.get(URL)

    events = AuditEvent.objects.filter(actor=active_account.user, target_type="portal_checkin")
    assert list(events.values_list("action", "patient_id")) == [(Action.READ, alcohol.patient_id)]


def test_staff_cannot_open_the_check_in(physician, client_for, alcohol):
    """The check-in is the patient's own: a staff login is refused, nothing is shown, and
    the refusal is audited."""
    response = client_for(physician).get(URL)

    assert response.status_code == 403
    assert "Did you drink alcohol today?" not in response.content.decode()
    events = AuditEvent.objects.filter(actor=physician, target_type="portal_checkin")
    assert list(events.values_list("action", flat=True)) == [Action.ACCESS_DENIED]
    assert events.get().patient_id is None


def test_staff_cannot_send_a_check_in_for_a_patient(physician, client_for, alcohol, gambling):
    today = patient_today(patient=alcohol.patient)

    response = client_for(physician).post(URL, _answers(alcohol, gambling, today))

    assert response.status_code == 403
    assert DailyRecord.objects.count() == 0


def test_a_patient_without_targets_is_told_so(patient_client):
    response = patient_client.get(URL)

    assert response.status_code == 200
    assert "Your care team has not set up anything to check in on yet." in (
        response.content.decode()
    )


def test_a_service_refusal_lands_next_to_the_field_it_names(alcohol, gambling):
    """The recovery service names fields `target_<id>_<field>`; the form shows each message
    on that target's field, and an unnamed refusal at the top."""
    form = CheckinForm({}, day=dt.date(2026, 3, 2), targets=[alcohol, gambling], records={})
    form.is_valid()

    form.add_service_errors(
        ApplicationError(
            "Refused.",
            field_errors={f"target_{gambling.pk}_quantity": ["Gambling: enter how much."]},
        )
    )
    form.add_service_errors(ApplicationError("A check-in is for today only."))

    assert form.parts[1].errors["quantity"] == ["Gambling: enter how much."]
    assert form.day_form.non_field_errors() == ["A check-in is for today only."]
