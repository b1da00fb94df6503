"""Documents attached to evidence items, accepted by their content (as uploads are: ``ingest.sniff``), never by
their name, and bounded in size (``SUPPLYSCREEN_MAX_DOCUMENT_MB``). They are kept in the database, compressed
when that makes them smaller, and given back only as downloads (``Content-Disposition: attachment``)."""

from __future__ import annotations

from dataclasses import dataclass

from supplyscreen.errors import InputError
from supplyscreen.ingest.limits import size_text
from supplyscreen.ingest.sniff import spreadsheet_kind
from supplyscreen.settings import env_setting

MB = 1_000_000
# what a file's content is (ingest.sniff's names) → (kind kept, media type given back)
KINDS = {
    "a PDF": ("pdf", "application/pdf"),
    "a PNG image": ("png", "image/png"),
    "a JPEG image": ("jpeg", "image/jpeg"),
    "a GIF image": ("gif", "image/gif"),
    "an RTF document": ("rtf", "application/rtf"),
    "a Word document": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "xlsb": ("xlsb", "application/vnd.ms-excel.sheet.binary.macroEnabled.12"),
    "ods": ("ods", "application/vnd.oasis.opendocument.spreadsheet"),
    "xls": ("office", "application/octet-stream"),  # an OLE file: old Excel or Word
    "csv": ("text", "text/plain; charset=utf-8"),
}
MEDIA = dict(KINDS.values())
ACCEPTED = "PDF, PNG, JPEG, GIF, RTF, Word (.docx), a spreadsheet or a text file"


@dataclass(frozen=True)
class DocumentInfo:
    """A stored document without its bytes."""

    id: int
    name: str
    kind: str
    size: int
    sha256: str

    @property
    def media_type(self) -> str:
        return MEDIA.get(self.kind, "application/octet-stream")


def max_document_bytes() -> int:
    return int(float(env_setting("max_document_mb")) * MB)


def document_kind(name: str, data: bytes, max_bytes: int | None = None) -> str:
    """The kind of an attached document (``KINDS``) by its content; InputError for an empty, oversized or
    unaccepted file (a program, an archive, a binary file of no known kind)."""
    limit = max_document_bytes() if max_bytes is None else max_bytes
    if not data.strip():
        raise InputError(f"{name}: the file is empty", hint=f"attach a {ACCEPTED}")
    if len(data) > limit:
        raise InputError(
            f"{name}: the document is larger than the {size_text(limit)} limit",
            hint="attach a smaller file, or set SUPPLYSCREEN_MAX_DOCUMENT_MB",
        )
    what = spreadsheet_kind(data)
    if what not in KINDS:
        raise InputError(
            f"{name}: is {what}, not a document that can be attached", hint=f"attach a {ACCEPTED}"
        )
    return KINDS[what][0]
