"""Who may do what, without Telegram or a database."""

from storage.roles import NOBODY, Access, Role


def test_nobody_is_a_resident_with_no_rights() -> None:
    assert NOBODY.is_resident and not NOBODY.is_known
    assert not NOBODY.belongs_to(1) and not NOBODY.leads(1) and not NOBODY.coordinates(1)


def test_member_sits_at_own_table_only() -> None:
    member = Access(person_id=1, roles={1: Role.MEMBER})
    assert member.sits_at(1) and member.belongs_to(1)
    assert not member.sits_at(2) and not member.leads(1) and not member.coordinates(1)


def test_chair_leads_but_does_not_coordinate() -> None:
    chair = Access(person_id=1, roles={1: Role.VICE_CHAIR})
    assert chair.leads(1) and chair.chairs(1) and chair.sits_at(1)
    assert not chair.coordinates(1) and not chair.leads(2)


def test_coordinator_serves_but_is_not_seated() -> None:
    coordinator = Access(person_id=1, roles={2: Role.COORDINATOR})
    assert coordinator.coordinates(2) and coordinator.leads(2) and coordinator.belongs_to(2)
    assert not coordinator.sits_at(2) and not coordinator.coordinates(1)


def test_lead_coordinator_coordinates_every_table() -> None:
    lead = Access(person_id=1, is_lead=True)
    assert all(lead.coordinates(t) for t in (1, 2, 3, 4))
    assert lead.coordinated_tables([1, 2, 3]) == [1, 2, 3]
    assert not lead.sits_at(1) and not lead.is_resident
