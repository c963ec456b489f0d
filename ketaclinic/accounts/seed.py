"""Demo sites and demo staff accounts (synthetic, demo only; see README)."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password
from django.db import transaction

from ketaclinic.accounts.models import RoleAssignment, Site, User
from ketaclinic.accounts.roles import Role

DEMO_PASSWORD = "ketaclinic-demo"  # noqa: S105  # published demo-only password

DEMO_SITES = [
    ("Boston, MA", "boston", "100 Example Street, Boston, MA 02100 (fictional)"),
    (
        "West Hartford, CT",
        "west-hartford",
        "200 Sample Avenue, West Hartford, CT 06100 (fictional)",
    ),
]

# username, first name, last name, role, site slugs
DEMO_STAFF: list[tuple[str, str, str, Role, tuple[str, ...]]] = [
    ("frontdesk", "Frances", "Desk", Role.FRONT_DESK, ("boston",)),
    ("physician", "Phil", "Demo-Physician", Role.PHYSICIAN, ("boston",)),
    ("nurse", "Nora", "Demo-Nurse", Role.NURSE, ("boston",)),
    ("therapist", "Theo", "Demo-Therapist", Role.THERAPIST, ("boston",)),
    ("compliance", "Connie", "Demo-Compliance", Role.COMPLIANCE, ("boston",)),
    ("clinicadmin", "Adam", "Demo-Admin", Role.CLINIC_ADMIN, ("boston",)),
    ("researcher", "Rita", "Demo-Researcher", Role.RESEARCHER, ("boston",)),
    ("wh-physician", "Wanda", "Demo-Physician", Role.PHYSICIAN, ("west-hartford",)),
    ("wh-nurse", "Walt", "Demo-Nurse", Role.NURSE, ("west-hartford",)),
    ("wh-therapist", "Wes", "Demo-Therapist", Role.THERAPIST, ("west-hartford",)),
]


def demo_logins() -> list[tuple[str, str]]:
    return [
        (username, f"{role.label}, {' and '.join(slug for slug in slugs)}")
        for username, _first, _last, role, slugs in DEMO_STAFF
    ]


@transaction.atomic
def seed_sites_and_staff() -> list[Site]:
    """Create the demo sites and staff if missing; existing rows are left as they are."""
    sites = {}
    for name, slug, address in DEMO_SITES:
        site, _ = Site.objects.get_or_create(
            slug=slug, defaults={"name": name, "address": address, "time_zone": "America/New_York"}
        )
        sites[slug] = site
    password_hash = make_password(DEMO_PASSWORD)  # hashed once: every demo login shares it
    for username, first, last, role, slugs in DEMO_STAFF:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "password": password_hash,
                "email": f"{username}@example.org",
            },
        )
        if created:
            user.sites.set([sites[slug] for slug in slugs])
            RoleAssignment.objects.create(user=user, role=role)
    return list(sites.values())
