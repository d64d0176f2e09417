"""Sheets API v4 operations of the emulator: metadata, values.* and spreadsheets.batchUpdate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .sheets_emulator_cells import DateCell, Formula, locale_of, parse_input, render
from .sheets_emulator_grid import (
    ApiError,
    GridRange,
    Sheet,
    Spreadsheet,
    invalid,
    parse_range,
    quote_title,
)

Json = dict[str, Any]

# The theme block every new spreadsheet reports (copied from the recorded responses).
DEFAULT_FORMAT: Json = {
    "backgroundColor": {"red": 1, "green": 1, "blue": 1},
    "padding": {"top": 2, "right": 3, "bottom": 2, "left": 3},
    "verticalAlignment": "BOTTOM",
    "wrapStrategy": "OVERFLOW_CELL",
    "textFormat": {
        "foregroundColor": {},
        "fontFamily": "arial,sans,sans-serif",
        "fontSize": 10,
        "bold": False,
        "italic": False,
        "strikethrough": False,
        "underline": False,
        "foregroundColorStyle": {"rgbColor": {}},
    },
    "backgroundColorStyle": {"rgbColor": {"red": 1, "green": 1, "blue": 1}},
}


def metadata(book: Spreadsheet, fields: str | None, theme: Json | None = None) -> Json:
    """Answer spreadsheets.get (no grid data), restricted to `fields` when given."""
    properties: Json = {
        "title": book.title,
        "locale": book.locale,
        "autoRecalc": "ON_CHANGE",
        "timeZone": book.time_zone,
        "defaultFormat": DEFAULT_FORMAT,
    }
    if theme is not None:
        properties["spreadsheetTheme"] = theme
    body: Json = {
        "spreadsheetId": book.key,
        "properties": properties,
        "sheets": [{"properties": s.properties(i)} for i, s in enumerate(book.sheets)],
        "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{book.key}/edit",
    }
    return body if not fields else _select(body, _parse_mask(fields))


def _parse_mask(text: str) -> dict[str, Any]:
    """Parse a partial-response mask (`a,b/c,d(e,f(g))`) into a tree of names."""
    tree, rest = _mask_list(text.replace(" ", ""))
    if rest:
        raise invalid(f"Invalid field selection {text}")
    return tree


def _mask_list(text: str) -> tuple[dict[str, Any], str]:
    tree: dict[str, Any] = {}
    while True:
        name_end = next((i for i, ch in enumerate(text) if ch in ",()"), len(text))
        path, text = text[:name_end].replace(".", "/").split("/"), text[name_end:]
        sub: dict[str, Any] | None = None
        if text.startswith("("):
            sub, text = _mask_list(text[1:])
            if not text.startswith(")"):
                raise invalid("Invalid field selection")
            text = text[1:]
        node = tree
        for part in path[:-1]:
            if node.get(part) is None:
                node[part] = {}
            node = node[part]
        node[path[-1]] = sub
        if not text.startswith(","):
            return tree, text
        text = text[1:]


def masked(answer: Json, fields: str | None) -> Json:
    """Restrict an answer to a partial-response mask (`fields`), as Google does."""
    return answer if not fields else _select(answer, _parse_mask(fields))


def _select(value: Any, tree: dict[str, Any] | None) -> Any:
    if tree is None:
        return value
    if isinstance(value, list):
        return [_select(item, tree) for item in value]
    if not isinstance(value, dict):
        return value
    return {k: _select(value[k], tree[k]) for k in tree if k in value}


def _trimmed(grid: GridRange, value_option: str, date_option: str, locale_name: str) -> list[Any]:
    locale = locale_of(locale_name)
    rows: list[list[Any]] = []
    for stored in grid.sheet.rows[grid.row0 : grid.row1]:
        line = stored[grid.col0 : grid.col1]  # the cells past a stored row's end are empty
        while line and line[-1] is None:
            line.pop()
        rows.append(
            [
                render(cell, value_option, date_option, locale) if cell is not None else ""
                for cell in line
            ]
        )
    while rows and not rows[-1]:
        rows.pop()
    return rows


def get_values(book: Spreadsheet, text: str, params: dict[str, str]) -> Json:
    """Answer values.get: trailing empty cells and rows trimmed, no `values` when empty."""
    if params.get("majorDimension", "ROWS") != "ROWS":
        raise invalid("This emulator reads majorDimension ROWS only")
    grid = parse_range(book, text)
    grid.check_grid()
    value_option = params.get("valueRenderOption", "FORMATTED_VALUE")
    date_option = params.get("dateTimeRenderOption", "SERIAL_NUMBER")
    body: Json = {"range": grid.echo(), "majorDimension": "ROWS"}
    rows = _trimmed(grid, value_option, date_option, book.locale)
    if rows:
        body["values"] = rows
    return body


Plan = tuple[GridRange, list[tuple[int, int, Any]], Json]


def plan_write(book: Spreadsheet, text: str, values: Any, option: str) -> Plan:
    """Check one write and return its cells and its result, without changing anything."""
    if not isinstance(values, list) or not all(isinstance(row, list) for row in values):
        raise invalid("Invalid values: expected a list of rows")
    grid = parse_range(book, text)
    height, width = len(values), max((len(row) for row in values), default=0)
    if grid.bounded and height > grid.row1 - grid.row0:
        raise invalid(
            f"Requested writing within range [{quote_title(grid.sheet.title)}!{grid.text}], "
            f"but tried writing to row [{grid.row0 + height}]"
        )
    if grid.bounded and width > grid.col1 - grid.col0:
        raise invalid(
            f"Requested writing within range [{quote_title(grid.sheet.title)}!{grid.text}], "
            f"but tried writing to column [{_letters(grid.col0 + width)}]"
        )
    target = GridRange(
        grid.sheet,
        grid.row0,
        grid.col0,
        grid.row0 + max(height, 1),
        grid.col0 + max(width, 1),
        grid.text,
        bounded=True,
    )
    target.check_grid()
    locale = locale_of(book.locale)
    cells = [
        (grid.row0 + r, grid.col0 + c, parse_input(v, option, locale))
        for r, row in enumerate(values)
        for c, v in enumerate(row)
        if v is not None  # null leaves the cell as it is
    ]
    result: Json = {
        "spreadsheetId": book.key,
        "updatedRange": (target if values else grid).echo(),
        "updatedRows": height,
        "updatedColumns": width,
        "updatedCells": len(cells),
    }
    return target, cells, result


def _letters(col: int) -> str:
    letters = ""
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def apply_write(plan: Plan) -> Json:
    target, cells, result = plan
    for row, col, value in cells:
        target.sheet.set(row, col, value)
    return result


def input_option(params: dict[str, Any]) -> str:
    option = params.get("valueInputOption")
    if option not in ("RAW", "USER_ENTERED"):
        raise invalid("Invalid valueInputOption: INPUT_VALUE_OPTION_UNSPECIFIED")
    return str(option)


def batch_update_values(book: Spreadsheet, body: Json) -> Json:
    """Answer values.batchUpdate: every range checked first, then all written (atomic)."""
    option = input_option(body)
    plans = []
    for entry in body.get("data") or []:
        if (entry.get("majorDimension") or "ROWS") != "ROWS":
            raise invalid("This emulator writes majorDimension ROWS only")
        plans.append(plan_write(book, entry.get("range", ""), entry.get("values") or [], option))
    responses = [apply_write(plan) for plan in plans]
    return {
        "spreadsheetId": book.key,
        "totalUpdatedRows": sum(r["updatedRows"] for r in responses),
        "totalUpdatedColumns": max((r["updatedColumns"] for r in responses), default=0),
        "totalUpdatedCells": sum(r["updatedCells"] for r in responses),
        "totalUpdatedSheets": len({p[0].sheet.sheet_id for p in plans}),
        "responses": responses,
    }


def append_values(book: Spreadsheet, text: str, body: Json, params: dict[str, str]) -> Json:
    """Answer values.append: write after the last used row of the range's table."""
    option = input_option(params)
    values = body.get("values") or []
    grid = parse_range(book, text)
    sheet = grid.sheet
    # The table is the run of non-empty rows from the range's first row; write just below it.
    used: list[int] = []
    while any(sheet.get(grid.row0 + len(used), c) is not None for c in range(grid.col0, grid.col1)):
        used.append(grid.row0 + len(used))
    start = used[-1] + 1 if used else grid.row0
    if params.get("insertDataOption") == "INSERT_ROWS":
        sheet.rows[start:start] = [[] for _ in values] if start < len(sheet.rows) else []
        sheet.row_count += len(values)
    sheet.row_count = max(sheet.row_count, start + len(values))  # append grows the grid
    cell = f"{quote_title(sheet.title)}!{_letters(grid.col0 + 1)}{start + 1}"
    answer: Json = {"spreadsheetId": book.key}
    if used:
        table = GridRange(sheet, used[0], grid.col0, used[-1] + 1, grid.col1, "", True)
        answer["tableRange"] = table.echo()
    answer["updates"] = apply_write(plan_write(book, cell, values, option))
    return answer


def clear_values(book: Spreadsheet, text: str) -> Json:
    grid = parse_range(book, text)
    grid.check_grid()
    for r in range(grid.row0, min(grid.row1, len(grid.sheet.rows))):
        for c in range(grid.col0, grid.col1):
            grid.sheet.set(r, c, None)
    return {"spreadsheetId": book.key, "clearedRange": grid.echo()}


def batch_update(book: Spreadsheet, body: Json, fields: str | None = None) -> Json:
    """Answer spreadsheets.batchUpdate: all requests apply, or none does.

    With includeSpreadsheetInResponse the answer carries the spreadsheet after the update,
    and with responseIncludeGridData the cells of `responseRanges`, as the real API does.
    """
    saved = [sheet.copy() for sheet in book.sheets], book.next_sheet_id
    replies = []
    try:
        for index, request in enumerate(body.get("requests") or []):
            (kind, args), *extra = request.items()
            handler = HANDLERS.get(kind)
            if handler is None or extra:
                raise invalid(f"Invalid requests[{index}]: unsupported request {kind}")
            try:
                replies.append(handler(book, args))
            except ApiError as err:
                raise invalid(f"Invalid requests[{index}].{kind}: {err.message}") from err
    except ApiError:
        book.sheets, book.next_sheet_id = saved
        raise
    answer: Json = {"spreadsheetId": book.key, "replies": replies}
    if body.get("includeSpreadsheetInResponse"):
        ranges = body.get("responseRanges") or [] if body.get("responseIncludeGridData") else []
        answer["updatedSpreadsheet"] = _with_grid_data(book, ranges)
    return answer if not fields else _select(answer, _parse_mask(fields))


def _with_grid_data(book: Spreadsheet, ranges: list[str]) -> Json:
    """The spreadsheet resource with GridData (effective and formatted values) for `ranges`."""
    body = metadata(book, None)
    locale = locale_of(book.locale)
    for text in ranges:
        grid = parse_range(book, text)
        rows = []
        for r in range(grid.row0, min(grid.row1, len(grid.sheet.rows))):
            cells = [grid.sheet.get(r, c) for c in range(grid.col0, grid.col1)]
            while cells and cells[-1] is None:
                cells.pop()
            rows.append({"values": [_cell_data(cell, locale) for cell in cells]} if cells else {})
        data = {"startRow": grid.row0, "startColumn": grid.col0, "rowData": rows}
        for entry, sheet in zip(body["sheets"], book.sheets, strict=True):
            if sheet is grid.sheet:
                entry.setdefault("data", []).append(data)
    return body


def _cell_data(cell: Any, locale: Any) -> Json:
    if cell is None:
        return {}
    value = render(cell, "UNFORMATTED_VALUE", "SERIAL_NUMBER", locale)
    kind = (
        "boolValue"
        if isinstance(value, bool)
        else ("numberValue" if isinstance(value, int | float) else "stringValue")
    )
    formatted = render(cell, "FORMATTED_VALUE", "FORMATTED_STRING", locale)
    return {"effectiveValue": {kind: value}, "formattedValue": str(formatted)}


def _update_properties(book: Spreadsheet, args: Json) -> Json:
    props = args.get("properties") or {}
    sheet = book.sheet_by_id(props.get("sheetId", 0))
    fields = {f.replace(".", "/") for f in (args.get("fields") or "").split(",") if f}
    grid = props.get("gridProperties") or {}
    wanted = {
        "gridProperties/rowCount": ("row_count", grid.get("rowCount")),
        "gridProperties/columnCount": ("col_count", grid.get("columnCount")),
        "title": ("title", props.get("title")),
    }
    for name, (attr, value) in wanted.items():
        if (
            name in fields
            or "*" in fields
            or (name.startswith("gridProperties") and "gridProperties" in fields)
        ) and value is not None:
            setattr(sheet, attr, value)
    if "index" in fields and props.get("index") is not None:
        book.sheets.remove(sheet)
        book.sheets.insert(int(props["index"]), sheet)
    sheet.truncate()
    return {}


def _insert_dimension(book: Spreadsheet, args: Json) -> Json:
    span = args.get("range") or {}
    sheet = book.sheet_by_id(span.get("sheetId", 0))
    start, end = int(span.get("startIndex", 0)), int(span.get("endIndex", 0))
    if span.get("dimension") == "ROWS":
        if start < len(sheet.rows):
            sheet.rows[start:start] = [[] for _ in range(end - start)]
        sheet.row_count += end - start
    else:
        for line in sheet.rows:
            if start < len(line):
                line[start:start] = [None] * (end - start)
        sheet.col_count += end - start
    return {}


def _delete_dimension(book: Spreadsheet, args: Json) -> Json:
    span = args.get("range") or {}
    sheet = book.sheet_by_id(span.get("sheetId", 0))
    start, end = int(span.get("startIndex", 0)), int(span.get("endIndex", 0))
    if span.get("dimension") == "ROWS":
        del sheet.rows[start:end]
        sheet.row_count -= end - start
    else:
        for line in sheet.rows:
            del line[start:end]
        sheet.col_count -= end - start
    return {}


def _append_dimension(book: Spreadsheet, args: Json) -> Json:
    sheet = book.sheet_by_id(args.get("sheetId", 0))
    if args.get("dimension") == "ROWS":
        sheet.row_count += int(args.get("length", 0))
    else:
        sheet.col_count += int(args.get("length", 0))
    return {}


def _add_sheet(book: Spreadsheet, args: Json) -> Json:
    props = args.get("properties") or {}
    title = props.get("title") or f"Sheet{len(book.sheets) + 1}"
    if book.sheet(title) is not None:
        raise invalid(f'A sheet with the name "{title}" already exists. Please enter another name.')
    grid = props.get("gridProperties") or {}
    sheet = Sheet(
        book.next_sheet_id, title, grid.get("rowCount", 1000), grid.get("columnCount", 26)
    )
    book.next_sheet_id += 7919
    index = props.get("index")
    book.sheets.insert(len(book.sheets) if index is None else int(index), sheet)
    return {"addSheet": {"properties": sheet.properties(book.sheets.index(sheet))}}


def _delete_sheet(book: Spreadsheet, args: Json) -> Json:
    sheet = book.sheet_by_id(args.get("sheetId"))
    if len(book.sheets) == 1:
        raise invalid("You can't remove all the sheets in a document.")
    book.sheets.remove(sheet)
    return {}


def _sort_range(book: Spreadsheet, args: Json) -> Json:
    span = args.get("range") or {}
    sheet = book.sheet_by_id(span.get("sheetId", 0))
    start = int(span.get("startRowIndex", 0))
    end = min(int(span.get("endRowIndex", sheet.row_count)), len(sheet.rows))
    block = sheet.rows[start:end]
    for spec in reversed(args.get("sortSpecs") or []):
        col = int(spec.get("dimensionIndex", 0))

        def key(line: list[Any], c: int = col) -> tuple[int, Any]:
            return _sort_key(line[c] if c < len(line) else None)

        block.sort(key=key, reverse=spec.get("sortOrder") == "DESCENDING")
    sheet.rows[start:end] = block
    return {}


def _sort_key(cell: Any) -> tuple[int, Any]:
    if isinstance(cell, Formula):
        cell = cell.value
    if isinstance(cell, DateCell):
        cell = cell.serial
    if cell is None:
        return (3, "")
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return (0, cell)
    return (1, str(cell))


def _find_replace(book: Spreadsheet, args: Json) -> Json:
    """Replace text cells (whole-cell, case-sensitive search only: what a client sends here)."""
    find, replacement = args.get("find"), args.get("replacement", "")
    if not find:
        raise ApiError(400, "find must not be empty", "INVALID_ARGUMENT")
    if not (args.get("allSheets") and args.get("matchEntireCell") and args.get("matchCase")):
        raise ApiError(400, "unsupported findReplace scope", "INVALID_ARGUMENT")
    changed = 0
    for sheet in book.sheets:
        for r, line in enumerate(sheet.rows):
            for c, cell in enumerate(line):
                if cell == find:
                    sheet.set(r, c, replacement)
                    changed += 1
    # The real API leaves zero counts out of the reply.
    return {"findReplace": {"occurrencesChanged": changed} if changed else {}}


HANDLERS: dict[str, Callable[[Spreadsheet, Json], Json]] = {
    "findReplace": _find_replace,
    "updateSheetProperties": _update_properties,
    "insertDimension": _insert_dimension,
    "deleteDimension": _delete_dimension,
    "appendDimension": _append_dimension,
    "addSheet": _add_sheet,
    "deleteSheet": _delete_sheet,
    "sortRange": _sort_range,
}
