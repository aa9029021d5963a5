"""LiveTable.sync updates rows in place: the cursor stays on its row, the table is never cleared."""

import asyncio

from textual.app import App

from tui.widgets.live_table import LiveTable


class TableApp(App):
    def compose(self):
        yield LiveTable([('name', 'Name'), ('count', 'Count')])


def rows(*pairs):
    return [(key, (key, str(count))) for key, count in pairs]


def test_the_cursor_stays_on_its_row_when_rows_arrive_above_it_and_others_go():
    asyncio.run(_cursor_stays())


def test_unchanged_rows_are_not_touched():
    asyncio.run(_unchanged_untouched())


def test_a_column_widens_when_a_value_outgrows_it():
    asyncio.run(_widens())


async def _widens():
    app = TableApp()
    async with app.run_test() as pilot:
        table = app.query_one(LiveTable)
        table.sync(rows(('a', 1), ('b', 2)))
        await pilot.pause()
        table.sync(rows(('a', 1), ('b', 123456789)))
        await pilot.pause()
        assert table.columns[table.ordered_columns[1].key].content_width >= 9


async def _cursor_stays():
    app = TableApp()
    async with app.run_test() as pilot:
        table = app.query_one(LiveTable)
        table.sync(rows(('a', 1), ('b', 2), ('c', 3)))
        await pilot.pause()
        table.move_cursor(row=1)
        table.sync(rows(('new', 0), ('a', 1), ('b', 5)))
        await pilot.pause()
        assert table.cursor_key == 'b'
        assert [row.key.value for row in table.ordered_rows] == ['new', 'a', 'b']
        assert table.get_row('b')[1] == '5'


async def _unchanged_untouched():
    app = TableApp()
    async with app.run_test() as pilot:
        table = app.query_one(LiveTable)
        table.sync(rows(('a', 1), ('b', 2)))
        await pilot.pause()
        first = table.get_row('a')[0]
        updates = []
        table.update_cell = lambda *args, **kwargs: updates.append(args)
        table.sync(rows(('a', 1), ('b', 3)))
        assert [args for args in updates] == [('b', 'count', '3')]
        assert table.get_row('a')[0] is first
