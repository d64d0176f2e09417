"""Write cells into a workbook by patching its zip: every part but the written sheets is copied.

Nothing the program does not understand is dropped, and the memory a write takes does not grow
with the size of the sheet: the written worksheets stream through `SheetPatch` one row at a time.
"""

from __future__ import annotations

import contextlib
import posixpath
import re
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterable
from io import BytesIO
from pathlib import Path
from types import TracebackType
from typing import IO, BinaryIO
from xml.etree import ElementTree

from ..errors import SourceError
from ..model import CellWrite
from .limits import check_excel_grid
from .xlsx_cells import attributes
from .xlsx_sheetxml import SheetPatch, UnsafeSheet

_COPY_CHUNK = 1 << 20
# How a damaged or unusual zip entry fails while it streams (bad CRC, cut data, odd compression).
_BROKEN = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError)
_ZIP64_FROM = 1 << 30  # below zipfile's own limit: a patched sheet may grow while it streams
_ELEMENT = rb"<(?:\w+:)?%s(?=[\s/>])((?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*/>"


def bad_file(path: Path) -> SourceError:
    """Build the error for a file that is not a readable .xlsx workbook."""
    return SourceError(
        f"Tệp {path} không phải tệp Excel .xlsx hợp lệ hoặc đã hỏng; mở bằng Excel, lưu lại "
        "dạng .xlsx rồi chạy lại."
    )


class PatchedBook:
    """A workbook's zip with some worksheets rewritten into temporary files, ready to save."""

    def __init__(self, data: bytes, path: Path) -> None:
        self.path = path
        try:
            self.source = zipfile.ZipFile(BytesIO(data))
        except (zipfile.BadZipFile, OSError) as exc:
            raise bad_file(path) from exc
        names = self.source.namelist()
        if len(set(names)) != len(names):
            self.source.close()
            raise bad_file(path)
        self.patched: dict[str, IO[bytes]] = {}
        self.replaced: dict[str, bytes] = {}
        self.dropped: set[str] = set()
        self._temps = contextlib.ExitStack()

    def __enter__(self) -> PatchedBook:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._temps.close()
        self.source.close()

    def apply(self, writes: Iterable[CellWrite]) -> None:
        """Rewrite each worksheet that receives writes; the last write to a cell wins.

        The writes are indexed by row and column one sheet at a time: a run writing
        statuses into two large sheets holds one index, not both.
        """
        by_sheet: dict[str, list[CellWrite]] = {}
        for write in writes:
            by_sheet.setdefault(write.sheet, []).append(write)
        try:
            parts, calc_chain = self._parts()
        except (KeyError, ElementTree.ParseError) as exc:
            raise bad_file(self.path) from exc
        for title, sheet_writes in by_sheet.items():
            check_excel_grid(title, sheet_writes, self.path)
        formulas_replaced = False
        for title in list(by_sheet):
            if title not in parts:
                raise ValueError(f"no sheet titled {title!r} in the workbook")
            cells: dict[int, dict[int, str]] = {}
            for write in by_sheet.pop(title):
                cells.setdefault(write.row, {})[write.col] = write.value
            formulas_replaced |= self._patch_sheet(title, parts[title], cells)
            del cells
        if formulas_replaced and calc_chain is not None:
            self._drop_calc_chain(*calc_chain)

    def _patch_sheet(self, title: str, part: str, cells: dict[int, dict[int, str]]) -> bool:
        """Stream one worksheet part into a temporary file; tell whether a formula went."""
        # The exit stack closes the file when the book is done with.
        temp = self._temps.enter_context(tempfile.TemporaryFile())  # noqa: SIM115
        self.patched[part] = temp
        try:
            patch = SheetPatch(self.source.open(part), temp, cells)
        except KeyError as exc:
            raise bad_file(self.path) from exc
        try:
            patch.run()
        except _BROKEN as exc:
            raise bad_file(self.path) from exc
        except UnsafeSheet as exc:
            where = f"ô {exc.ref} của " if exc.ref and exc.ref[0].isalpha() else ""
            raise SourceError(
                f"Không ghi được vào {where}trang “{title}” trong {self.path} vì ở đó có "
                f"{exc.reason}; xóa phần đó khỏi cột trạng thái hoặc mở bằng Excel, lưu lại "
                "dạng .xlsx rồi chạy lại."
            ) from exc
        finally:
            patch.source.close()
        temp.seek(0)
        return patch.formula_replaced

    def _parts(self) -> tuple[dict[str, str], tuple[str, str, str] | None]:
        """Map sheet titles to worksheet parts; find the calculation chain and its relation."""
        office = _target("", self._xml("_rels/.rels"), "/officeDocument")
        if office is None:
            raise KeyError("officeDocument")
        workbook = office[0]
        rels_name = posixpath.join(
            posixpath.dirname(workbook), "_rels", posixpath.basename(workbook) + ".rels"
        )
        rels = self._xml(rels_name)
        by_id = {
            rel.get("Id"): _resolve(workbook, rel.get("Target", ""))
            for rel in rels.iter()
            if rel.tag.endswith("Relationship")
        }
        parts = {}
        for sheet in self._xml(workbook).iter():
            if sheet.tag.endswith("}sheet") and sheet.get("name") is not None:
                rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
                if rid in by_id:
                    parts[str(sheet.get("name"))] = self._name(by_id[rid])
        calc = _target(workbook, rels, "/calcChain")
        calc_chain = None
        if calc is not None:
            calc_chain = (self._name(calc[0]), rels_name, calc[1])
        return parts, calc_chain

    def _name(self, part: str) -> str:
        """Find a part's entry in the zip; part names ignore case."""
        names = {name.casefold(): name for name in self.source.namelist()}
        return names.get(part.casefold(), part)

    def _xml(self, part: str) -> ElementTree.Element:
        return ElementTree.fromstring(self.source.read(self._name(part)))

    def _drop_calc_chain(self, part: str, rels_name: str, rel_id: str) -> None:
        """Remove the calculation chain: Excel rebuilds it, and a stale one makes it repair."""
        rels_name = self._name(rels_name)
        types_name = self._name("[Content_Types].xml")
        rels = _remove_element(self.source.read(rels_name), b"Relationship", b"Id", rel_id)
        types = _remove_element(self.source.read(types_name), b"Override", b"PartName", "/" + part)
        if rels is not None and types is not None and part in self.source.namelist():
            self.replaced.update({rels_name: rels, types_name: types})
            self.dropped.add(part)

    def save(self, handle: BinaryIO) -> None:
        """Write the workbook: entries in their order, each unchanged one copied as it was."""
        with zipfile.ZipFile(handle, "w", allowZip64=True) as target:
            target.comment = self.source.comment
            for info in self.source.infolist():
                if info.filename not in self.dropped:
                    try:
                        self._save_entry(info, target)
                    except _BROKEN as exc:
                        raise bad_file(self.path) from exc

    def _save_entry(self, info: zipfile.ZipInfo, target: zipfile.ZipFile) -> None:
        clone = _clone(info)
        if info.filename in self.replaced:
            target.writestr(clone, self.replaced[info.filename])
        elif info.is_dir():
            target.writestr(clone, b"")
        elif info.filename in self.patched:
            temp = self.patched[info.filename]
            temp.seek(0)
            _copy(temp, target, clone)
        else:
            with self.source.open(info) as stream:
                _copy(stream, target, clone)


def _copy(stream: IO[bytes], target: zipfile.ZipFile, clone: zipfile.ZipInfo) -> None:
    with target.open(clone, "w", force_zip64=clone.file_size >= _ZIP64_FROM) as out:
        shutil.copyfileobj(stream, out, _COPY_CHUNK)


def _clone(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """Copy an entry's name, time, compression, attributes and comment for the new zip."""
    clone = zipfile.ZipInfo(info.filename, info.date_time)
    clone.compress_type = info.compress_type
    clone.external_attr = info.external_attr
    clone.create_system = info.create_system
    clone.comment = info.comment
    clone.file_size = info.file_size
    return clone


def _resolve(source: str, target: str) -> str:
    """Turn a relationship target into a part name, relative to the part that holds it."""
    if target.startswith("/"):
        return posixpath.normpath(target).lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def _target(source: str, rels: ElementTree.Element, kind: str) -> tuple[str, str] | None:
    """Return the part and id of the first internal relationship whose type ends with `kind`."""
    for rel in rels.iter():
        if rel.get("Type", "").endswith(kind) and rel.get("TargetMode") != "External":
            return _resolve(source, rel.get("Target", "")), rel.get("Id", "")
    return None


def _remove_element(xml: bytes, tag: bytes, attr: bytes, value: str) -> bytes | None:
    """Remove the empty element `tag` whose `attr` is `value`; None when there is none."""
    for found in re.finditer(_ELEMENT % tag, xml):
        if (
            attributes(found[1]).get(attr, b"").decode(errors="replace").casefold()
            == value.casefold()
        ):
            return xml[: found.start()] + xml[found.end() :]
    return None
