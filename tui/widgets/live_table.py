"""LiveTable: a DataTable updated in place from keyed rows, keeping the cursor on the same row."""

from collections.abc import Collection, Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, ColumnKey

Row = tuple[str, Sequence]  # (key, cells)


class LiveTable(DataTable):
    """`sync(rows)` adds, updates and removes rows; it never clears, so scroll position survives."""

    DEFAULT_CSS = 'LiveTable { height: 1fr; }'
    _held: list[bool] | None = None  # while syncing: whether each refresh asked needs a layout

    def __init__(self, columns: Sequence[tuple[str, str]], right: Collection[str] = (),
                 **kwargs):
        """`columns` are (key, label); the columns named in `right` (numbers) are right-aligned."""
        kwargs.setdefault('cursor_type', 'row')
        kwargs.setdefault('zebra_stripes', True)
        super().__init__(**kwargs)
        self._columns_spec = columns
        self._right = [key in right for key, _ in columns]
        self._cells: dict[str, tuple] = {}

    def on_mount(self) -> None:
        for (key, label), right in zip(self._columns_spec, self._right):
            self.add_column(Text(label, justify='right') if right else label, key=key)

    @property
    def cursor_key(self) -> str | None:
        """The key of the row under the cursor, or None when the table is empty."""
        if not self.row_count:
            return None
        try:
            return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        except CellDoesNotExist:
            return None

    def refresh(self, *regions, **kwargs):
        # DataTable refreshes after each cell it changes; a refresh costs ~20 us, so for a
        # thousand changed cells one refresh at the end of `sync` saves ~20 ms of UI thread
        if self._held is not None:
            self._held.append(kwargs.get('layout', False) or kwargs.get('recompose', False))
            return self
        return super().refresh(*regions, **kwargs)

    def sync(self, rows: Sequence[Row]) -> None:
        """Make the table show exactly `rows`, in that order, touching only what changed."""
        self._held = []
        try:
            self._sync(rows)
        finally:
            held, self._held = self._held, None
            if held:
                self.refresh(layout=any(held))

    def _sync(self, rows: Sequence[Row]) -> None:
        keep = self.cursor_key
        wanted = {key for key, _ in rows}
        for key in [key for key in self._cells if key not in wanted]:
            self.remove_row(key)
            del self._cells[key]
        columns = [key for key, _ in self._columns_spec]
        for key, cells in rows:
            cells = tuple(cells)
            old = self._cells.get(key)
            if old is None:
                self.add_row(*[self._shown(index, cell) for index, cell in enumerate(cells)],
                             key=key)
            elif old != cells:
                for index, (column, before, after) in enumerate(zip(columns, old, cells)):
                    if before != after:
                        shown = self._shown(index, after)
                        self.update_cell(key, column, shown,
                                         update_width=self._wider(column, shown))
            self._cells[key] = cells
        self._reorder([key for key, _ in rows])
        if keep is not None and keep in self._cells:
            index = self.get_row_index(keep)
            if index != self.cursor_row:
                self.move_cursor(row=index, scroll=False)

    def _reorder(self, keys: list[str]) -> None:
        if [row.key.value for row in self.ordered_rows] == keys:
            return
        rank = {id(self.get_row(key)[0]): index for index, key in enumerate(keys)}
        self.sort(key=lambda cells: rank[id(cells[0])])

    def _wider(self, column: str, cell) -> bool:
        """Whether `cell` needs a wider column. Asking DataTable to re-measure on every update
        would re-measure the whole column whenever a value gets shorter (O(rows) per cell)."""
        width = cell.cell_len if isinstance(cell, Text) else cell_len(str(cell))
        return width > self.columns[ColumnKey(column)].content_width

    def _shown(self, index: int, cell):
        """The cell as drawn; the first is always a new Text, as `_reorder` tells rows apart by
        its identity."""
        if isinstance(cell, str) and (index == 0 or self._right[index]):
            return Text(cell, justify='right' if self._right[index] else 'left')
        return cell.copy() if index == 0 else cell
