"""Every write of the calendar, one module per workflow; each checks the actor's role and
site and writes its audit row in the same transaction."""

from ketaclinic.scheduling.services._common import BookingConflictError
from ketaclinic.scheduling.services.booking import appointment_book
from ketaclinic.scheduling.services.config import (
    appointment_type_update,
    appointment_types_ensure,
    availability_add,
    availability_remove,
    opening_hours_add,
    opening_hours_remove,
    resource_create,
    resource_update,
    time_off_add,
    time_off_remove,
)
from ketaclinic.scheduling.services.course_booking import course_infusion_book
from ketaclinic.scheduling.services.feeds import (
    calendar_feed_create,
    calendar_feed_refused,
    calendar_feed_revoke,
    calendar_feed_used,
)
from ketaclinic.scheduling.services.status import (
    appointment_arrive,
    appointment_cancel,
    appointment_complete,
    appointment_no_show,
)

__all__ = [
    "BookingConflictError",
    "appointment_arrive",
    "appointment_book",
    "appointment_cancel",
    "appointment_complete",
    "appointment_no_show",
    "appointment_type_update",
    "appointment_types_ensure",
    "availability_add",
    "availability_remove",
    "calendar_feed_create",
    "calendar_feed_refused",
    "calendar_feed_revoke",
    "calendar_feed_used",
    "course_infusion_book",
    "opening_hours_add",
    "opening_hours_remove",
    "resource_create",
    "resource_update",
    "time_off_add",
    "time_off_remove",
]
