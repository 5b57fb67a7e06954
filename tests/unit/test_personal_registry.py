"""Every table is declared in storage/personal.py: how it is exported, erased and kept.

A table added later, or a new link to people, fails here until it is declared.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import JSON, String, Text

from storage.models import Base
from storage.personal import _CUSTOM, POLICIES, Erase, Keep

# Column names that hold what a person wrote or who they are.
PERSONAL_NAME = re.compile(
    r"(^|_)(first_name|last_name|full_name|invitee|username|email|address|phone|text|body"
    r"|payload|reason|detail|comment|message)"
)
TABLES = sorted(Base.metadata.tables)


def _person_links(table_name: str) -> set[str]:
    table = Base.metadata.tables[table_name]
    return {
        column.name
        for column in table.columns
        if any(fk.column.table.name == "people" for fk in column.foreign_keys)
    }


def test_every_table_is_declared() -> None:
    missing = sorted(set(TABLES) - set(POLICIES))
    assert missing == [], f"declare these tables in storage/personal.py POLICIES: {missing}"
    gone = sorted(set(POLICIES) - set(TABLES))
    assert gone == [], f"POLICIES names tables that no longer exist: {gone}"


@pytest.mark.parametrize("name", TABLES)
def test_links_to_people_are_declared(name: str) -> None:
    policy = POLICIES[name]
    declared = set(policy.person_columns) - ({"id"} if name == "people" else set())
    assert declared == _person_links(name), (
        f"{name}: person_columns must list exactly the columns that point at people.id"
    )
    assert set(policy.erase_where) <= set(policy.person_columns)
    assert set(policy.export_where) <= set(policy.person_columns)
    columns = set(Base.metadata.tables[name].columns.keys())
    assert set(policy.blank) <= columns and set(policy.hidden) <= columns
    assert set(policy.person_lists) <= columns


@pytest.mark.parametrize("name", TABLES)
def test_personal_tables_are_exported_erased_and_kept(name: str) -> None:
    policy = POLICIES[name]
    linked = bool(_person_links(name) or policy.person_lists or name == "people")
    if linked:
        # Export follows person_columns / person_lists; erasure and retention must be chosen.
        assert policy.erase is not Erase.NOT_PERSONAL, name
        assert policy.keep is not Keep.NOT_PERSONAL, name
        assert policy.why, name
    if policy.erase is Erase.BLANK:
        assert policy.blank, f"{name}: Erase.BLANK needs the columns it empties"
    if policy.erase is Erase.CUSTOM:
        assert name == "people" or name in _CUSTOM, f"{name}: Erase.CUSTOM needs a step"
    if policy.erase is Erase.NOT_PERSONAL:
        table = Base.metadata.tables[name]
        texts = [
            column.name
            for column in table.columns
            if isinstance(column.type, String | Text | JSON) and PERSONAL_NAME.search(column.name)
        ]
        assert not linked and texts == [], (
            f"{name} is declared not personal but has {texts or 'a link to people'}"
        )


def test_retention_settings_exist() -> None:
    from core.settings import Settings

    fields = Settings.model_fields
    for keep in Keep:
        if keep.value.endswith("_days"):
            assert keep.value in fields, keep
