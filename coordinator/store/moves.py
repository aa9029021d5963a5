"""The condition on a task's status that each conditional UPDATE takes from a table of moves.

Every store operation that moves a task selects it only in a state that
`coordinator.states` lets it leave for its new one, so a move that is not in
the tables is never written, whatever the operation read before.
"""

from coordinator.states import TRANSITIONS, TaskState, sources


def leaving_for(new: TaskState, table: dict = TRANSITIONS,
                column: str = 'status') -> tuple[str, tuple[str, ...]]:
    """`column IN (...)` and its parameters: the states `table` lets a task leave for `new`.

    A state nothing may leave for selects no task (FALSE), rather than an empty list,
    which PostgreSQL refuses.
    """
    olds = sources(new, table)
    if not olds:
        return 'FALSE', ()
    return f'{column} IN ({", ".join("?" * len(olds))})', olds
