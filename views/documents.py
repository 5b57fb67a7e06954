"""The final statement as a document (.docx and Markdown), and reading drafts people upload."""

from __future__ import annotations

import asyncio
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import gettext as _
from docx import Document
from docx.opc.exceptions import PackageNotFoundError
from docx.shared import Pt

from storage.people import Table
from storage.statements import Statement, StatementVersion
from storage.vote_rules import Outcome, Tally
from storage.votes import Ballot
from views.text import day
from views.votes import OUTCOME_LABELS, tally_line

MAX_UPLOAD_BYTES = 1_000_000
DRAFT_FILE_TYPES = (".docx", ".md", ".txt")
# A .docx is a zip: 1 MB of it may unpack to gigabytes, or to 200,000 empty paragraphs that take
# python-docx a minute. These bounds are far above a real statement (100,000 characters).
MAX_UNPACKED_BYTES = 20_000_000
MAX_PARAGRAPHS = 5_000
READ_TIMEOUT = 10.0
_PARAGRAPH = re.compile(rb"<w:p[\s>/]")


class UnreadableFile(Exception):
    """The file is not a .docx, .md or .txt we can read."""


class FileTooLarge(Exception):
    pass


class FileTooComplex(Exception):
    """Too much inside the file: unpacked size, paragraphs or the time to read it."""


async def read_draft_file_safely(file_name: str, data: bytes) -> str:
    """`read_draft_file` in a worker thread, so the bot keeps answering others meanwhile."""
    try:
        return await asyncio.wait_for(
            asyncio.to_thread(read_draft_file, file_name, data), READ_TIMEOUT
        )
    except TimeoutError as error:
        # The thread cannot be stopped, but the limits above bound what it still does.
        raise FileTooComplex(file_name) from error


def _check_docx_size(file_name: str, data: bytes) -> None:
    """Refuse a .docx whose contents are too big, before anything is unpacked."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise FileTooComplex(file_name)
            body = archive.read("word/document.xml")
    except (zipfile.BadZipFile, KeyError, ValueError, EOFError) as error:
        raise UnreadableFile(file_name) from error
    if len(_PARAGRAPH.findall(body)) > MAX_PARAGRAPHS:
        raise FileTooComplex(file_name)


def read_draft_file(file_name: str, data: bytes) -> str:
    """The text of an uploaded draft: paragraphs of a .docx, or UTF-8 text."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise FileTooLarge(file_name)
    lowered = file_name.lower()
    if lowered.endswith(".docx"):
        _check_docx_size(file_name, data)
        try:
            document = Document(io.BytesIO(data))
        except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as error:
            raise UnreadableFile(file_name) from error
        return "\n\n".join(p.text for p in document.paragraphs if p.text.strip())
    if lowered.endswith((".md", ".txt")):
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise UnreadableFile(file_name) from error
    raise UnreadableFile(file_name)


@dataclass(frozen=True)
class StatementDocument:
    """Everything the final document shows; labels are already in the reader's language."""

    title: str
    facts: list[tuple[str, str]]  # (label, value): table, date, requester, case number…
    text: str
    vote_heading: str
    vote_lines: list[str]
    dissent_heading: str
    dissents: list[tuple[str, str]] = field(default_factory=list)  # (name, opinion)


def statement_document(
    statement: Statement,
    table: Table,
    version: StatementVersion,
    ballot: Ballot | None,
    dissents: list[tuple[str, str]],
    zone: ZoneInfo,
    language: str,
) -> StatementDocument:
    """The approved statement with its facts, the vote and the dissenting opinions."""

    def on(moment: datetime) -> str:
        return day(moment.astimezone(zone).date(), language)

    facts = [
        (_("Pöytä"), table.name(language)),
        (_("Päivämäärä"), on(statement.approved_at or statement.created_at)),
        (_("Asia"), statement.subject),
        (_("Pyytäjä"), statement.requester),
    ]
    if statement.case_number:
        facts.append((_("Diaarinumero"), statement.case_number))
    facts.append((_("Määräaika"), on(statement.city_due_at)))
    if statement.submitted_at:
        facts.append(
            (
                _("Lähetetty"),
                _("{date}, vastaanottaja: {to}").format(
                    date=on(statement.submitted_at), to=statement.submitted_to or ""
                ),
            )
        )
    vote_lines: list[str] = []
    if ballot is not None and ballot.result:
        result = ballot.result
        outcome = Outcome(ballot.outcome) if ballot.outcome else Outcome.NO_QUORUM
        vote_lines = [
            tally_line(Tally(**result.get("tally", {}))),
            _("Äänesti {voted}/{seated}.").format(
                voted=result.get("voted", 0), seated=result.get("seated", 0)
            ),
            _("Tulos: {outcome}").format(outcome=OUTCOME_LABELS[outcome]),
        ]
    return StatementDocument(
        title=_("Lausunto: {subject}").format(subject=statement.subject),
        facts=facts,
        text=version.text,
        vote_heading=_("Äänestyksen tulos"),
        vote_lines=vote_lines,
        dissent_heading=_("Eriävät mielipiteet"),
        dissents=dissents,
    )


# XML 1.0 cannot hold these (a vertical tab or NUL pasted into a draft): lxml refuses them.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# Word's core properties keep the title in at most 255 characters.
CORE_TITLE_LIMIT = 255


def xml_text(text: str) -> str:
    return _XML_ILLEGAL.sub("", text)


def statement_docx(doc: StatementDocument) -> bytes:
    document = Document()
    document.styles["Normal"].font.size = Pt(11)
    title = xml_text(doc.title)
    document.core_properties.title = title[:CORE_TITLE_LIMIT]
    document.add_heading(title, level=1)
    for label, value in doc.facts:
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{xml_text(label)}: ").bold = True
        paragraph.add_run(xml_text(value))
    for block in doc.text.split("\n\n"):
        document.add_paragraph(xml_text(block))
    document.add_heading(xml_text(doc.vote_heading), level=2)
    for line in doc.vote_lines:
        document.add_paragraph(xml_text(line))
    if doc.dissents:
        document.add_heading(xml_text(doc.dissent_heading), level=2)
        for name, opinion in doc.dissents:
            paragraph = document.add_paragraph()
            paragraph.add_run(xml_text(name)).bold = True
            document.add_paragraph(xml_text(opinion))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _md_escape(text: str) -> str:
    for char in "\\`*_#[]<>|":
        text = text.replace(char, "\\" + char)
    return text


def statement_markdown(doc: StatementDocument) -> str:
    lines = [f"# {_md_escape(doc.title)}", ""]
    lines += [f"**{_md_escape(label)}:** {_md_escape(value)}  " for label, value in doc.facts]
    lines += ["", _md_escape(doc.text), "", f"## {_md_escape(doc.vote_heading)}", ""]
    lines += [f"- {_md_escape(line)}" for line in doc.vote_lines]
    if doc.dissents:
        lines += ["", f"## {_md_escape(doc.dissent_heading)}", ""]
        for name, opinion in doc.dissents:
            lines += [f"**{_md_escape(name)}**", "", _md_escape(opinion), ""]
    return "\n".join(lines).rstrip() + "\n"
