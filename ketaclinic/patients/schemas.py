from __future__ import annotations

import datetime as dt

from ninja import Schema


class PatientOut(Schema):
    id: int
    site: str
    mrn: str
    first_name: str
    last_name: str
    preferred_name: str
    date_of_birth: dt.date
    sex: str
    phone: str
    email: str

    @staticmethod
    def resolve_site(obj: object) -> str:
        return obj.site.slug  # type: ignore[attr-defined,no-any-return]  # a Patient


class PatientPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[PatientOut]
