"""Models shared by several resources: references to people, times, a page of results."""
from datetime import datetime, timezone
from typing import Annotated

from pydantic import BaseModel, Field, PlainSerializer

from halo.blueprints.api import problems


def _utc(value: datetime | None) -> str | None:
    """Halo stores naive UTC; the API says so: 2026-11-24T09:30:00Z."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc).isoformat().replace("+00:00", "Z")


# A time in UTC, RFC 3339 with a Z.
Time = Annotated[datetime, PlainSerializer(_utc, return_type=str, when_used="json"),
                 Field(json_schema_extra={"format": "date-time"})]
Cursor = Annotated[str | None, Field(None, max_length=120, description=(
    "next_cursor from the previous page; omit for the first page"))]
Limit = Annotated[int, Field(25, ge=1, le=100, description="items per page, 1 to 100")]


class TeammateRef(BaseModel):
    id: int
    name: str


class CustomerRef(BaseModel):
    id: int
    name: str
    email: str | None


def teammate_ref(user) -> TeammateRef | None:
    return TeammateRef(id=user.id, name=user.name) if user is not None else None


def customer_ref(customer) -> CustomerRef:
    return CustomerRef(id=customer.id, name=customer.display_name, email=customer.email)


def bad_cursor() -> problems.Problem:
    return problems.invalid("cursor is not one this list gave out; start again without it.",
                            parameter="cursor", status=400)


def id_cursor(cursor: str | None) -> int | None:
    """A cursor that is an id (lists ordered by id): parsed, or a problem naming it."""
    if cursor is None:
        return None
    if not cursor.isdigit() or len(cursor) > 18:
        raise bad_cursor()
    return int(cursor)
