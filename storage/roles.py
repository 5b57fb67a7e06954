"""Roles and what they allow: plain rules over plain values, no database or Telegram here."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Role(enum.StrEnum):
    MEMBER = "member"
    CHAIR = "chair"
    VICE_CHAIR = "vice_chair"
    YOUTH_REP = "youth_rep"
    COORDINATOR = "coordinator"
    LEAD_COORDINATOR = "lead_coordinator"


# Roles that sit at the table and vote; coordinators serve the table but are not its members.
SEATED_ROLES = frozenset({Role.MEMBER, Role.CHAIR, Role.VICE_CHAIR, Role.YOUTH_REP})
CHAIR_ROLES = frozenset({Role.CHAIR, Role.VICE_CHAIR})
# Roles a coordinator may hand out with an invite link for one table.
INVITABLE_ROLES = (Role.MEMBER, Role.CHAIR, Role.VICE_CHAIR, Role.YOUTH_REP, Role.COORDINATOR)


@dataclass(frozen=True)
class Access:
    """Who a person is, right now, across the tables. Built from the database on every update."""

    person_id: int | None
    roles: dict[int, Role] = field(default_factory=dict)  # table id -> role at that table
    is_lead: bool = False

    @property
    def is_known(self) -> bool:
        return self.person_id is not None

    @property
    def is_resident(self) -> bool:
        return not self.roles and not self.is_lead

    def role_at(self, table_id: int) -> Role | None:
        return self.roles.get(table_id)

    def sits_at(self, table_id: int) -> bool:
        return self.roles.get(table_id) in SEATED_ROLES

    def chairs(self, table_id: int) -> bool:
        return self.roles.get(table_id) in CHAIR_ROLES

    def coordinates(self, table_id: int) -> bool:
        return self.is_lead or self.roles.get(table_id) is Role.COORDINATOR

    def belongs_to(self, table_id: int) -> bool:
        """Seated or coordinating: may see the table's members and business."""
        return self.sits_at(table_id) or self.coordinates(table_id)

    def leads(self, table_id: int) -> bool:
        """May organise: coordinators, the lead coordinator, the chair and vice-chair."""
        return self.coordinates(table_id) or self.chairs(table_id)

    @property
    def is_coordinator(self) -> bool:
        return self.is_lead or Role.COORDINATOR in self.roles.values()

    @property
    def is_member(self) -> bool:
        return any(role in SEATED_ROLES for role in self.roles.values())

    @property
    def is_chair(self) -> bool:
        return any(role in CHAIR_ROLES for role in self.roles.values())

    @property
    def is_insider(self) -> bool:
        """Seated at some table or coordinating one: sees the tables' own business."""
        return self.is_member or self.is_coordinator

    @property
    def is_organizer(self) -> bool:
        """May organise for some table: a coordinator, the lead, a chair or vice-chair."""
        return self.is_coordinator or self.is_chair

    def coordinated_tables(self, all_table_ids: list[int]) -> list[int]:
        return [t for t in all_table_ids if self.coordinates(t)]

    def led_tables(self, all_table_ids: list[int]) -> list[int]:
        return [t for t in all_table_ids if self.leads(t)]

    def own_tables(self, all_table_ids: list[int]) -> list[int]:
        return [t for t in all_table_ids if self.belongs_to(t)]


NOBODY = Access(person_id=None)


# Who a command or a menu entry is shown to.
def everyone(access: Access) -> bool:
    return True


def insiders(access: Access) -> bool:
    return access.is_insider


def coordinators(access: Access) -> bool:
    return access.is_coordinator


def organizers(access: Access) -> bool:
    return access.is_organizer
