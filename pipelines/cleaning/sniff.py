"""What a body really is, from its first bytes, whatever its Content-Type header says.

Sites serve report attachments (PDF, Word) and scans (images) as ``text/html`` often enough that
a page is never parsed as HTML before ``sniff`` has had a look. ``sniff(body)`` names the binary
formats it recognises and returns None for everything else (HTML, plain text, JSON …), so a
caller can treat None as "go on and decode it as text".
"""

from __future__ import annotations

PDF = "application/pdf"
DOC = "application/msword"
XLS = "application/vnd.ms-excel"
PPT = "application/vnd.ms-powerpoint"
OLE = "application/x-ole-storage"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ZIP = "application/zip"
PNG = "image/png"
JPEG = "image/jpeg"
GIF = "image/gif"
WEBP = "image/webp"
BMP = "image/bmp"
TIFF = "image/tiff"
RAR = "application/vnd.rar"
SEVEN_ZIP = "application/x-7z-compressed"
GZIP = "application/gzip"

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# A PDF reader accepts the header anywhere in the first KiB; servers sometimes prepend whitespace
# or a BOM. Further in, "%PDF-" is much more likely an HTML page talking about a PDF.
PDF_WINDOW = 1024


def _utf16(name: str) -> bytes:
    return name.encode("utf-16-le")


# Stream names of an OLE2 compound file (stored UTF-16LE in its directory) → what the file is
OLE_STREAMS = (
    (_utf16("WordDocument"), DOC),
    (_utf16("Workbook"), XLS),
    (_utf16("Book"), XLS),
    (_utf16("PowerPoint Document"), PPT),
)
# Member names of a zip (stored in clear in each local header) → the Office/ODF format it is
ZIP_MEMBERS = ((b"word/", DOCX), (b"xl/", XLSX), (b"ppt/", PPTX))


def sniff(body: bytes | None) -> str | None:
    """The MIME type of a binary body recognised by its magic bytes, else None (text or unknown)."""
    if not body:
        return None
    head = body[:16]
    if head.startswith(OLE_MAGIC):
        return next((mime for name, mime in OLE_STREAMS if name in body), OLE)
    if head.startswith(ZIP_MAGIC):
        return _zip_kind(body)
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head.startswith(b"RIFF") and body[8:12] == b"WEBP":
        return WEBP
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return TIFF
    if head.startswith(b"BM") and len(body) > 26 and body[14:15] in (b"\x0c", b"(", b"@", b"l", b"|"):
        return BMP  # "BM" + a known DIB header size: plain text starting with "BM" is not a bitmap
    if head.startswith(b"Rar!\x1a\x07"):
        return RAR
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return SEVEN_ZIP
    if head.startswith(b"\x1f\x8b\x08"):
        return GZIP
    start = body[:PDF_WINDOW].lstrip(b"\xef\xbb\xbf \t\r\n\x00")
    if start.startswith(b"%PDF-"):
        return PDF
    return None


def _zip_kind(body: bytes) -> str:
    """docx/xlsx/pptx/odt or a plain zip, from the member names of its local file headers (read
    in place, so a truncated download is still recognised)."""
    import struct

    pos, seen = 0, 0
    while seen < 64:
        pos = body.find(ZIP_MAGIC, pos)
        if pos < 0 or pos + 30 > len(body):
            break
        name_len, extra_len = struct.unpack_from("<HH", body, pos + 26)
        name = body[pos + 30 : pos + 30 + name_len]
        if name == b"mimetype" and b"opendocument.text" in body[pos + 30 + name_len + extra_len :][:64]:
            return ODT
        for prefix, mime in ZIP_MEMBERS:
            if name.startswith(prefix):
                return mime
        pos, seen = pos + 4, seen + 1
    return ZIP
