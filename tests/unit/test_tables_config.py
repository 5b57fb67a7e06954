"""Another city brings its own tables file; a broken one is refused with the reason."""

from pathlib import Path

import pytest

from storage.tables_config import TablesFileError, read_tables_file


def test_lahti_has_four_tables_by_default() -> None:
    tables = read_tables_file(None)
    assert [t["slug"] for t in tables] == ["pohjoinen", "etelainen", "itainen", "keskusta"]
    assert tables[0]["sv"] == "Norra partnerskapsbordet"


def test_another_citys_file(tmp_path: Path) -> None:
    path = tmp_path / "tables.toml"
    path.write_text(
        '[[tables]]\nslug = "kanta"\nfi = "Kanta"\nsv = "Kärnan"\nen = "Core"\n'
        'timezone = "Europe/Helsinki"\n',
        encoding="utf-8",
    )
    assert read_tables_file(path) == [
        {
            "slug": "kanta",
            "fi": "Kanta",
            "sv": "Kärnan",
            "en": "Core",
            "timezone": "Europe/Helsinki",
        }
    ]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("[[tables]]\nslug = 'x'\nfi = 'X'\n", "a table lacks sv, en"),
        ("tables = 3\n", "needs at least one [[tables]] entry"),
        ("[[tables]\n", "Expected ']]'"),
    ],
)
def test_broken_files_are_refused(tmp_path: Path, content: str, words: str) -> None:
    path = tmp_path / "tables.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TablesFileError) as caught:
        read_tables_file(path)
    assert words in str(caught.value)
