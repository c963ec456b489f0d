"""The site calendar: rooms and chairs with opening hours, clinician availability,
appointment types and appointments.

Conflicts are found through `Hold` rows: every booked appointment holds its resource (a
chair or a room) and each clinician it needs for its time span. A new booking is refused
when any of the things it would hold is already held for an overlapping span; the booking
service locks the resource and staff rows first so that two clerks cannot both win.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class ResourceKind(models.TextChoices):
    CHAIR = "chair", "Infusion chair"
    ROOM = "room", "Consulting room"


class Resource(models.Model):
    """A bookable place at a site: an infusion chair or a consulting room."""

    site = models.ForeignKey("accounts.Site", on_delete=models.PROTECT, related_name="resources")
    kind = models.CharField(max_length=8, choices=ResourceKind.choices)
    name = models.CharField(max_length=40, help_text="As staff say it, e.g. 'Chair 2'.")
    is_active = models.BooleanField(default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["site", "kind", "sort_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="resource_name_unique_per_site"),
            models.CheckConstraint(
                condition=Q(kind__in=ResourceKind.values), name="resource_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class OpeningHours(models.Model):
    """When a resource can be booked on a weekday, in the site's local time. A resource
    with no row for a weekday is closed that day."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens_at = models.TimeField()
    closes_at = models.TimeField()

    class Meta:
        ordering = ["resource", "weekday", "opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="opening_hours_close_after_open"
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="opening_hours_weekday_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource} {self.get_weekday_display()} {self.opens_at}-{self.closes_at}"


class Availability(models.Model):
    """A clinician's weekly working hours at a site, in the site's local time."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="availability"
    )
    site = models.ForeignKey("accounts.Site", on_delete=models.PROTECT, related_name="+")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    starts_at = models.TimeField()
    ends_at = models.TimeField()

    class Meta:
        ordering = ["user", "weekday", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="availability_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="availability_weekday_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.get_weekday_display()} {self.starts_at}-{self.ends_at}"


class TimeOff(models.Model):
    """A clinician away for a span (leave, training): no bookings then."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="time_off_end_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} away {self.starts_at}-{self.ends_at}"


class AppointmentKind(models.TextChoices):
    EVALUATION = "evaluation", "Evaluation"
    PREPARATION = "preparation", "Preparation session"
    INFUSION = "infusion", "Infusion"
    INTEGRATION = "integration", "Integration session"
    FOLLOW_UP = "follow_up", "Follow-up"


class AppointmentType(models.Model):
    """What a kind of appointment needs, per site: its default length, the resource kind it
    occupies and the staff it needs. An infusion needs a chair, a nurse and a supervising
    physician on site; the others need a room and one clinician."""

    site = models.ForeignKey("accounts.Site", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=AppointmentKind.choices)
    default_minutes = models.PositiveSmallIntegerField()
    resource_kind = models.CharField(max_length=8, choices=ResourceKind.choices)
    # The permission (accounts.roles.Perm value) the clinician must hold, e.g. a physician
    # for evaluation and preparation, a therapist for integration.
    clinician_perm = models.CharField(max_length=40, blank=True)
    needs_nurse = models.BooleanField(default=False)
    needs_physician_on_site = models.BooleanField(default=False)

    class Meta:
        ordering = ["site", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["site", "kind"], name="appointment_type_per_site"),
            models.CheckConstraint(
                condition=Q(default_minutes__gte=5, default_minutes__lte=600),
                name="appointment_type_minutes_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.default_minutes} min)"


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    ARRIVED = "arrived", "Arrived"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"


# Statuses that occupy the calendar (their holds are active).
ACTIVE_STATUSES = (AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED)


class Appointment(models.Model):
    site = models.ForeignKey("accounts.Site", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="appointments"
    )
    kind = models.CharField(max_length=12, choices=AppointmentKind.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    resource = models.ForeignKey(
        Resource, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments"
    )
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    nurse = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    # Links into the treatment course, when the appointment is one of its sessions.
    course = models.ForeignKey(
        "courses.TreatmentCourse",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
    )
    infusion = models.OneToOneField(
        "infusions.Infusion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointment",
    )
    integration_for = models.ForeignKey(
        "infusions.Infusion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="integration_appointments",
        help_text="For an integration session: the infusion it processes.",
    )
    note = models.CharField(
        max_length=300, blank=True, help_text="Front-desk note, no clinical detail."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="appointment_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(status__in=AppointmentStatus.values), name="appointment_status_known"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=AppointmentKind.values), name="appointment_kind_known"
            ),
            # A cancellation or no-show always says who and why.
            models.CheckConstraint(
                condition=~Q(status__in=["cancelled", "no_show"])
                | (Q(status_changed_by__isnull=False) & ~Q(status_reason="")),
                name="appointment_cancel_no_show_with_reason",
            ),
            models.CheckConstraint(
                condition=Q(infusion__isnull=True) | Q(kind="infusion"),
                name="appointment_infusion_link_only_for_infusions",
            ),
            models.CheckConstraint(
                condition=Q(integration_for__isnull=True) | Q(kind="integration"),
                name="appointment_integration_link_only_for_integrations",
            ),
        ]
        indexes = [
            models.Index(fields=["site", "starts_at"], name="appointment_site_start"),
            models.Index(fields=["status", "starts_at"], name="appointment_status_start"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class HoldRole(models.TextChoices):
    CHAIR = "chair", "Chair"
    ROOM = "room", "Room"
    CLINICIAN = "clinician", "Clinician"
    NURSE = "nurse", "Nurse"
    PHYSICIAN = "physician", "Supervising physician"


class Hold(models.Model):
    """One thing an appointment occupies (a resource or a staff member) for its span.
    `active` is cleared when the appointment is cancelled or a no-show, freeing the slot."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="holds")
    resource = models.ForeignKey(
        Resource, on_delete=models.PROTECT, null=True, blank=True, related_name="holds"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    role = models.CharField(max_length=12, choices=HoldRole.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(resource__isnull=False) & Q(staff__isnull=True))
                | (Q(resource__isnull=True) & Q(staff__isnull=False)),
                name="hold_exactly_one_holder",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="hold_end_after_start"
            ),
            models.CheckConstraint(condition=Q(role__in=HoldRole.values), name="hold_role_known"),
        ]
        indexes = [
            models.Index(fields=["resource", "starts_at"], name="hold_resource_start"),
            models.Index(fields=["staff", "starts_at"], name="hold_staff_start"),
        ]

    def __str__(self) -> str:
        return f"hold {self.role} {self.starts_at:%Y-%m-%d %H:%M}-{self.ends_at:%H:%M}"


class CalendarFeed(models.Model):
    """A clinician's private iCalendar feed. Only a hash of the token is stored; the URL is
    shown once when the feed is created or rotated."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"calendar feed of {self.user}"
