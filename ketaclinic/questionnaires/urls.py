from django.urls import path

from ketaclinic.questionnaires.views import due, self_completion, staff

app_name = "questionnaires"

urlpatterns = [
    path("alerts/", staff.alert_list_view, name="alerts"),
    path("alerts/<int:alert_id>/", staff.alert_detail_view, name="alert_detail"),
    path("instruments/", staff.instrument_settings_view, name="instruments"),
    path("due/", due.due_list_view, name="due"),
    path("due/<int:due_id>/cancel/", due.due_cancel_view, name="due_cancel"),
    path("patients/<int:patient_id>/", staff.chart_section_view, name="chart_section"),
    path(
        "patients/<int:patient_id>/schedule-baseline/",
        due.schedule_baseline_view,
        name="schedule_baseline",
    ),
    path(
        "patients/<int:patient_id>/new/<slug:code>/",
        staff.response_new_view,
        name="response_new",
    ),
    path(
        "patients/<int:patient_id>/responses/<int:response_id>/",
        staff.response_detail_view,
        name="response_detail",
    ),
    path(
        "patients/<int:patient_id>/responses/<int:response_id>/correct/",
        staff.response_correct_view,
        name="response_correct",
    ),
    # A signed-in patient's own questionnaires (the portal links here).
    path("me/", self_completion.my_due_view, name="my_due"),
    path("me/<int:due_id>/", self_completion.self_complete_view, name="self_complete"),
    path(
        "me/<int:due_id>/done/",
        self_completion.self_complete_done_view,
        name="self_complete_done",
    ),
]
