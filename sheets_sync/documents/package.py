"""The parts of a .docx that never change between units, and a byte-stable zip writer."""

from __future__ import annotations

import io
import itertools
import struct
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import BinaryIO, NamedTuple

from .wordml import R_NS, W_NS

FONT = "Times New Roman"
BODY_SIZE = 13  # points

# A4 portrait in twips (1 mm = 56.7 twips); margins 20/20/30/15 mm as Nghị định 30 asks.
PAGE_WIDTH, PAGE_HEIGHT = 11906, 16838
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = 1134, 1134, 1701, 850
HEADER_DISTANCE = 567
TEXT_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT

# Fixed metadata: the same data must give the same bytes on every run.
FIXED_TIME = "2024-01-01T00:00:00Z"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_DOS_DATE = ((ZIP_TIME[0] - 1980) << 9) | (ZIP_TIME[1] << 5) | ZIP_TIME[2]
_DOS_TIME = 0
DOCUMENT_TITLE = "Danh sách theo dõi, quản lý lực lượng tham gia tuyên truyền"

_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_FONTS = f'<w:rFonts w:ascii="{FONT}" w:hAnsi="{FONT}" w:eastAsia="{FONT}" w:cs="{FONT}"/>'
_SIZE = f'<w:sz w:val="{BODY_SIZE * 2}"/><w:szCs w:val="{BODY_SIZE * 2}"/>'
_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

CONTENT_TYPES = f"""{_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
<Default Extension="xml" ContentType="application/xml"/>\
<Override PartName="/word/document.xml" ContentType="{_MAIN}.document.main+xml"/>\
<Override PartName="/word/styles.xml" ContentType="{_MAIN}.styles+xml"/>\
<Override PartName="/word/settings.xml" ContentType="{_MAIN}.settings+xml"/>\
<Override PartName="/word/fontTable.xml" ContentType="{_MAIN}.fontTable+xml"/>\
<Override PartName="/word/theme/theme1.xml" \
ContentType="application/vnd.openxmlformats-officedocument.theme+xml"/>\
<Override PartName="/word/header1.xml" ContentType="{_MAIN}.header+xml"/>\
<Override PartName="/word/header2.xml" ContentType="{_MAIN}.header+xml"/>\
<Override PartName="/docProps/core.xml" \
ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>\
<Override PartName="/docProps/app.xml" \
ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>\
</Types>"""

PACKAGE_RELS = f"""{_DECL}<Relationships \
xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="word/document.xml"/>\
<Relationship Id="rId2" \
Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" \
Target="docProps/core.xml"/>\
<Relationship Id="rId3" Type="{_REL}/extended-properties" Target="docProps/app.xml"/>\
</Relationships>"""

DOCUMENT_RELS = f"""{_DECL}<Relationships \
xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" Type="{_REL}/styles" Target="styles.xml"/>\
<Relationship Id="rId2" Type="{_REL}/settings" Target="settings.xml"/>\
<Relationship Id="rId3" Type="{_REL}/fontTable" Target="fontTable.xml"/>\
<Relationship Id="rId4" Type="{_REL}/header" Target="header1.xml"/>\
<Relationship Id="rId5" Type="{_REL}/header" Target="header2.xml"/>\
<Relationship Id="rId6" Type="{_REL}/theme" Target="theme/theme1.xml"/>\
</Relationships>"""

CORE = f"""{_DECL}<cp:coreProperties \
xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" \
xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\
<dc:title>{DOCUMENT_TITLE}</dc:title><dc:creator>sheets-sync</dc:creator>\
<cp:revision>1</cp:revision>\
<dcterms:created xsi:type="dcterms:W3CDTF">{FIXED_TIME}</dcterms:created>\
<dcterms:modified xsi:type="dcterms:W3CDTF">{FIXED_TIME}</dcterms:modified>\
</cp:coreProperties>"""

APP = f"""{_DECL}<Properties \
xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">\
<Application>sheets-sync</Application></Properties>"""

STYLES = f"""{_DECL}<w:styles xmlns:w="{W_NS}"><w:docDefaults><w:rPrDefault><w:rPr>\
{_FONTS}{_SIZE}<w:lang w:val="vi-VN" w:eastAsia="vi-VN" w:bidi="ar-SA"/></w:rPr></w:rPrDefault>\
<w:pPrDefault><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>\
</w:pPrDefault></w:docDefaults>\
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/>\
<w:rPr>{_FONTS}{_SIZE}</w:rPr></w:style>\
<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont">\
<w:name w:val="Default Paragraph Font"/><w:uiPriority w:val="1"/><w:semiHidden/></w:style>\
<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/>\
<w:semiHidden/><w:rPr>{_FONTS}</w:rPr><w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar>\
<w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/>\
<w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>\
<w:style w:type="numbering" w:default="1" w:styleId="NoList"><w:name w:val="No List"/>\
<w:semiHidden/></w:style>\
<w:style w:type="paragraph" w:styleId="Header"><w:name w:val="header"/><w:basedOn w:val="Normal"/>\
<w:pPr><w:tabs><w:tab w:val="center" w:pos="{TEXT_WIDTH // 2}"/>\
<w:tab w:val="right" w:pos="{TEXT_WIDTH}"/></w:tabs></w:pPr><w:rPr>{_FONTS}{_SIZE}</w:rPr>\
</w:style></w:styles>"""

SETTINGS = f"""{_DECL}<w:settings xmlns:w="{W_NS}"><w:zoom w:percent="100"/>\
<w:defaultTabStop w:val="720"/><w:characterSpacingControl w:val="doNotCompress"/>\
<w:compat><w:compatSetting w:name="compatibilityMode" \
w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat>\
<w:themeFontLang w:val="vi-VN"/></w:settings>"""

FONT_TABLE = f"""{_DECL}<w:fonts xmlns:w="{W_NS}"><w:font w:name="{FONT}">\
<w:panose1 w:val="02020603050405020304"/><w:charset w:val="00"/><w:family w:val="roman"/>\
<w:pitch w:val="variable"/></w:font></w:fonts>"""

_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_SOLID = '<a:solidFill><a:schemeClr val="phClr"/></a:solidFill>'
_LINE = f'<a:ln w="9525">{_SOLID}</a:ln>'
_COLOURS = (
    ("dk1", "000000"),
    ("lt1", "FFFFFF"),
    ("dk2", "44546A"),
    ("lt2", "E7E6E6"),
    ("accent1", "4472C4"),
    ("accent2", "ED7D31"),
    ("accent3", "A5A5A5"),
    ("accent4", "FFC000"),
    ("accent5", "5B9BD5"),
    ("accent6", "70AD47"),
    ("hlink", "0563C1"),
    ("folHlink", "954F72"),
)
# The smallest theme strict validators accept: colours, Times New Roman, plain formats.
THEME = f"""{_DECL}<a:theme xmlns:a="{_A}" name="sheets-sync"><a:themeElements>\
<a:clrScheme name="sheets-sync">\
{"".join(f'<a:{name}><a:srgbClr val="{rgb}"/></a:{name}>' for name, rgb in _COLOURS)}\
</a:clrScheme><a:fontScheme name="sheets-sync">\
<a:majorFont><a:latin typeface="{FONT}"/><a:ea typeface=""/><a:cs typeface=""/></a:majorFont>\
<a:minorFont><a:latin typeface="{FONT}"/><a:ea typeface=""/><a:cs typeface=""/></a:minorFont>\
</a:fontScheme><a:fmtScheme name="sheets-sync">\
<a:fillStyleLst>{_SOLID * 3}</a:fillStyleLst><a:lnStyleLst>{_LINE * 3}</a:lnStyleLst>\
<a:effectStyleLst>{"<a:effectStyle><a:effectLst/></a:effectStyle>" * 3}</a:effectStyleLst>\
<a:bgFillStyleLst>{_SOLID * 3}</a:bgFillStyleLst></a:fmtScheme></a:themeElements></a:theme>"""

_PAGE_FIELD = (
    '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
    '<w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
    '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>2</w:t></w:r>'
    '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
)
# Page numbers sit centred in the top margin from page 2; page 1 gets its own empty header.
PAGE_NUMBER_HEADER = f"""{_DECL}<w:hdr xmlns:w="{W_NS}" xmlns:r="{R_NS}"><w:p><w:pPr>\
<w:pStyle w:val="Header"/><w:jc w:val="center"/></w:pPr>{_PAGE_FIELD}</w:p></w:hdr>"""
FIRST_PAGE_HEADER = f"""{_DECL}<w:hdr xmlns:w="{W_NS}" xmlns:r="{R_NS}"><w:p><w:pPr>\
<w:pStyle w:val="Header"/></w:pPr></w:p></w:hdr>"""

SECTION = (
    '<w:sectPr><w:headerReference w:type="default" r:id="rId4"/>'
    '<w:headerReference w:type="first" r:id="rId5"/>'
    f'<w:pgSz w:w="{PAGE_WIDTH}" w:h="{PAGE_HEIGHT}"/>'
    f'<w:pgMar w:top="{MARGIN_TOP}" w:right="{MARGIN_RIGHT}" w:bottom="{MARGIN_BOTTOM}"'
    f' w:left="{MARGIN_LEFT}" w:header="{HEADER_DISTANCE}" w:footer="{HEADER_DISTANCE}"'
    ' w:gutter="0"/><w:cols w:space="720"/><w:titlePg/><w:docGrid w:linePitch="360"/></w:sectPr>'
)

DOCUMENT_PART = "word/document.xml"
# Zip order: content types first, as Word writes them; the body slots in at its place.
BASE_PARTS: tuple[tuple[str, str], ...] = (
    ("[Content_Types].xml", CONTENT_TYPES),
    ("_rels/.rels", PACKAGE_RELS),
    ("docProps/core.xml", CORE),
    ("docProps/app.xml", APP),
    (DOCUMENT_PART, ""),
    ("word/_rels/document.xml.rels", DOCUMENT_RELS),
    ("word/styles.xml", STYLES),
    ("word/settings.xml", SETTINGS),
    ("word/fontTable.xml", FONT_TABLE),
    ("word/theme/theme1.xml", THEME),
    ("word/header1.xml", PAGE_NUMBER_HEADER),
    ("word/header2.xml", FIRST_PAGE_HEADER),
)


DOCUMENT_HEAD = f'{_DECL}<w:document xmlns:w="{W_NS}" xmlns:r="{R_NS}"><w:body>'
DOCUMENT_TAIL = f"{SECTION}</w:body></w:document>"


def document_xml(body: str) -> str:
    """Wrap body content and the section properties into a complete `word/document.xml`."""
    return f"{DOCUMENT_HEAD}{body}{DOCUMENT_TAIL}"


@dataclass(frozen=True)
class ZipEntry:
    """One compressed member, ready to be laid into an archive as is."""

    name: bytes
    crc: int
    size: int
    data: bytes


def compress(name: str, data: bytes) -> ZipEntry:
    """Deflate one part; the unchanging parts are compressed once per run, not per file."""
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    return ZipEntry(
        name.encode(), zlib.crc32(data), len(data), packer.compress(data) + packer.flush()
    )


def zip_entries(entries: Sequence[ZipEntry]) -> bytes:
    """Lay out a zip archive with fixed dates and attributes: equal entries give equal bytes."""
    stream = io.BytesIO()
    write_zip(stream, entries)
    return stream.getvalue()


def write_zip(
    stream: BinaryIO, entries: Sequence[ZipEntry], streamed: StreamedPart | None = None
) -> None:
    """Write the archive `zip_entries` lays out into `stream`, which must be seekable.

    `streamed`, when given, replaces the entry at its slot: its part is deflated as its
    pieces come and written at once, so that neither it nor its deflated bytes are ever
    whole in memory. Its local header is written first with zero sizes, then rewritten
    once they are known: the bytes equal those of `zip_entries` with `compress`.
    """
    directory: list[bytes] = []
    start = stream.tell()
    for index, entry in enumerate(entries):
        offset = stream.tell() - start
        if streamed is not None and index == streamed.slot:
            sizes = _write_streamed(stream, streamed.name, streamed.chunks)
        else:
            sizes = _sizes(entry)
            stream.write(_local_header(sizes))
            stream.write(entry.data)
        directory.append(_central_header(sizes, offset))
    offset = stream.tell() - start
    central = b"".join(directory)
    stream.write(central)
    stream.write(_end_record(len(entries), len(central), offset))


class ZipFrame:
    """An archive's parts laid out once around one slot, for files that differ only there.

    Every unit's list differs from the next only in its document.xml: the other parts'
    local records, and their central records but for the offsets after the slot, are the
    same bytes in every file. `archive` gives the bytes `zip_entries` gives.
    """

    def __init__(self, entries: Sequence[ZipEntry], slot: int) -> None:
        before, after = entries[:slot], entries[slot + 1 :]
        self._before = b"".join(map(_local_record, before))
        self._after = b"".join(map(_local_record, after))
        self._directory = b"".join(
            _central_header(_sizes(entry), offset) for entry, offset in _offsets(before)
        )
        # The central records after the slot but their offsets, which move with the slot's
        # size: (header up to its offset field, offset from the slot's end, name after it).
        self._moved = [
            (_central_header(_sizes(entry), 0)[:_CENTRAL_OFFSET], offset, entry.name)
            for entry, offset in _offsets(after)
        ]
        self._count = len(entries)

    def archive(self, entry: ZipEntry) -> bytes:
        """Return the archive with `entry` at the slot."""
        sizes = _sizes(entry)
        local = _local_header(sizes)
        start = len(self._before)
        end = start + len(local) + len(entry.data)
        directory = [self._directory, _central_header(sizes, start)]
        for head, offset, name in self._moved:
            directory.append(head + _OFFSET.pack(end + offset) + name)
        central = b"".join(directory)
        last = _end_record(self._count, len(central), end + len(self._after))
        return b"".join((self._before, local, entry.data, self._after, central, last))


@dataclass(frozen=True)
class StreamedPart:
    """A part given in pieces, to lay into an archive at position `slot`."""

    slot: int
    name: str
    chunks: Iterable[bytes]


class _Sizes(NamedTuple):
    """What the zip headers say of one entry."""

    name: bytes
    crc: int
    size: int
    packed: int


def _sizes(entry: ZipEntry) -> _Sizes:
    return _Sizes(entry.name, entry.crc, entry.size, len(entry.data))


def _write_streamed(stream: BinaryIO, name: str, chunks: Iterable[bytes]) -> _Sizes:
    """Write one part's local header and deflated bytes, keeping none of them."""
    header = stream.tell()
    stream.write(_local_header(_Sizes(name.encode(), 0, 0, 0)))
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    crc = size = packed = 0
    for chunk in chunks:
        crc = zlib.crc32(chunk, crc)
        size += len(chunk)
        packed += stream.write(packer.compress(chunk))
    packed += stream.write(packer.flush())
    end = stream.tell()
    sizes = _Sizes(name.encode(), crc, size, packed)
    stream.seek(header)
    stream.write(_local_header(sizes))
    stream.seek(end)
    return sizes


def _fields(sizes: _Sizes) -> tuple[int, ...]:
    name, crc, size, packed = sizes
    return (8, _DOS_TIME, _DOS_DATE, crc, packed, size, len(name))


def _local_header(sizes: _Sizes) -> bytes:
    return struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, *_fields(sizes), 0) + sizes.name


def _local_record(entry: ZipEntry) -> bytes:
    return _local_header(_sizes(entry)) + entry.data


def _offsets(entries: Sequence[ZipEntry]) -> list[tuple[ZipEntry, int]]:
    """Pair each entry with where its local record starts when they are laid out in order."""
    starts = itertools.accumulate((len(_local_record(entry)) for entry in entries), initial=0)
    return list(zip(entries, starts, strict=False))


_CENTRAL_OFFSET = 42  # where a central header's offset field starts
_OFFSET = struct.Struct("<I")


def _central_header(sizes: _Sizes, offset: int) -> bytes:
    fields = _fields(sizes)
    head = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, *fields, 0, 0, 0, 0, 0, offset)
    return head + sizes.name


def _end_record(count: int, central: int, offset: int) -> bytes:
    return struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, central, offset, 0)


def pack(parts: Iterable[tuple[str, bytes]]) -> bytes:
    """Zip the parts in the given order with fixed timestamps, so equal parts give equal bytes."""
    return zip_entries([compress(name, data) for name, data in parts])


def repack(docx: bytes, replace: Mapping[str, bytes] | None = None) -> bytes:
    """Rewrite a .docx made elsewhere with fixed zip metadata, keeping its parts and their order.

    `replace` gives new contents for some of its parts, by name.
    """
    new = replace or {}
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        parts = [(info.filename, archive.read(info)) for info in archive.infolist()]
    return pack((name, new.get(name, data)) for name, data in parts)
