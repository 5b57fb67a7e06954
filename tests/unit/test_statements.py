"""Statement rules, the documents and uploaded drafts, without Telegram or a database."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from docx import Document

from storage.statements import (
    apply_amendment,
    clean_draft,
    due_is_valid,
    parse_local_moment,
    version_diff,
)
from views.documents import (
    MAX_PARAGRAPHS,
    MAX_UNPACKED_BYTES,
    MAX_UPLOAD_BYTES,
    FileTooComplex,
    FileTooLarge,
    StatementDocument,
    UnreadableFile,
    read_draft_file,
    statement_docx,
    statement_markdown,
)
from views.text import TEXT_LIMIT, esc, split_text, visible_length

HELSINKI = ZoneInfo("Europe/Helsinki")


def test_amendment_replaces_the_first_occurrence_only() -> None:
    assert apply_amendment("a b a", "a", "c") == "c b a"
    assert apply_amendment("abc", "x", "y") is None
    assert apply_amendment("abc", "", "y") is None


def test_diff_marks_removed_and_added_lines() -> None:
    diff = version_diff(
        "Puisto säilyy.\nTie levenee.", "Puisto säilyy.\nTie kapenee.", "versio 1", "versio 2"
    )
    assert "-Tie levenee." in diff and "+Tie kapenee." in diff
    assert version_diff("sama", "sama", "a", "b") == ""


def test_long_diffs_split_without_losing_lines() -> None:
    old = "\n".join(f"rivi {i}" for i in range(2000))
    new = "\n".join(f"rivi {i} <muutettu>" for i in range(2000))
    parts = split_text(esc(version_diff(old, new, "1", "2")))
    assert len(parts) > 1 and all(visible_length(p) <= TEXT_LIMIT for p in parts)
    assert sum(p.count("+rivi") for p in parts) == 2000


def test_clean_draft() -> None:
    assert clean_draft("  \r\n \n") == ""
    assert clean_draft("a  \r\nb\n") == "a\nb"
    assert clean_draft("a\x00b\x0bc\td") == "abc\td"


def test_local_dates_become_utc() -> None:
    assert parse_local_moment("14.1.2027", HELSINKI) == datetime(2027, 1, 14, 14, 0, tzinfo=UTC)
    assert parse_local_moment("1.7.2027 klo 12.30", HELSINKI) == datetime(
        2027, 7, 1, 9, 30, tzinfo=UTC
    )
    assert parse_local_moment("31.2.2027", HELSINKI) is None
    assert parse_local_moment("huomenna", HELSINKI) is None


def test_due_dates_must_be_in_the_future() -> None:
    now = datetime(2027, 1, 1, tzinfo=UTC)
    assert due_is_valid(datetime(2027, 1, 2, tzinfo=UTC), now)
    assert not due_is_valid(now, now)


def _doc() -> StatementDocument:
    return StatementDocument(
        title="Lausunto: Kaava",
        facts=[("Pöytä", "Pohjoinen"), ("Diaarinumero", "D/1/2027")],
        text="Ensimmäinen kappale.\n\nToinen *kappale*.",
        vote_heading="Äänestyksen tulos",
        vote_lines=["Kannatan: 12"],
        dissent_heading="Eriävät mielipiteet",
        dissents=[("Pekka", "Olen eri mieltä.")],
    )


def test_docx_has_every_part() -> None:
    document = Document(io.BytesIO(statement_docx(_doc())))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "Lausunto: Kaava"
    assert "Diaarinumero: D/1/2027" in texts
    assert "Toinen *kappale*." in texts
    assert "Kannatan: 12" in texts and "Olen eri mieltä." in texts


def test_markdown_escapes_what_people_wrote() -> None:
    markdown = statement_markdown(_doc())
    assert "Toinen \\*kappale\\*." in markdown
    assert "## Eriävät mielipiteet" in markdown


def test_uploaded_drafts() -> None:
    assert read_draft_file("luonnos.txt", b"Hei\n") == "Hei\n"
    document = read_draft_file("x.docx", statement_docx(_doc()))
    assert "Ensimmäinen kappale." in document
    with pytest.raises(UnreadableFile):
        read_draft_file("x.docx", b"not a zip")
    with pytest.raises(UnreadableFile):
        read_draft_file("x.txt", b"\xff\xfe\xfa")
    with pytest.raises(UnreadableFile):
        read_draft_file("x.pdf", b"%PDF")
    with pytest.raises(FileTooLarge):
        read_draft_file("x.txt", b"a" * (MAX_UPLOAD_BYTES + 1))


def hostile_docx(paragraphs: int = 200_000) -> bytes:
    """A small .docx (54 KiB at 200,000) whose body holds `paragraphs` one-letter paragraphs."""
    source = zipfile.ZipFile(io.BytesIO(statement_docx(_doc())))
    body = b"<w:p><w:r><w:t>a</w:t></w:r></w:p>" * paragraphs
    xml = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b"<w:body>" + body + b"</w:body></w:document>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = xml if info.filename == "word/document.xml" else source.read(info)
            target.writestr(info.filename, data)
    return buffer.getvalue()


def zip_bomb_docx() -> bytes:
    """A .docx under 1 MB whose parts unpack to more than the 20 MB allowed."""
    buffer = io.BytesIO(statement_docx(_doc()))
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/media/zeros.bin", b"\0" * (MAX_UNPACKED_BYTES + 1))
    return buffer.getvalue()


def test_hostile_docx_drafts_are_refused_before_they_are_parsed() -> None:
    hostile = hostile_docx()
    assert len(hostile) < MAX_UPLOAD_BYTES
    with pytest.raises(FileTooComplex):
        read_draft_file("luonnos.docx", hostile)
    bomb = zip_bomb_docx()
    assert len(bomb) < MAX_UPLOAD_BYTES
    with pytest.raises(FileTooComplex):
        read_draft_file("luonnos.docx", bomb)
    # At the limit, a draft is still read.
    assert read_draft_file("luonnos.docx", hostile_docx(MAX_PARAGRAPHS - 10)).count("a") > 4000


def test_docx_export_takes_a_long_subject_and_control_characters() -> None:
    subject = "Kaava " * 50  # 300 characters, the longest a subject may be
    doc = _doc()
    doc = StatementDocument(
        title=f"Lausunto: {subject}",
        facts=[("Asia", subject)],
        text="Ensimmäinen\x0bkappale.\x00\n\nToinen\x0c kappale.\x1f",
        vote_heading=doc.vote_heading,
        vote_lines=doc.vote_lines,
        dissent_heading=doc.dissent_heading,
        dissents=[("Pekka", "Eri\x00 mieltä.")],
    )
    document = Document(io.BytesIO(statement_docx(doc)))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == f"Lausunto: {subject}"
    assert "Ensimmäinenkappale." in texts and "Toinen kappale." in texts
    assert "Eri mieltä." in texts
    assert document.core_properties.title == f"Lausunto: {subject}"[:255]
