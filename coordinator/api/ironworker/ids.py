"""IronWorker's 24-hex ids for the store's integer ids: a kind tag, then the number.

Clients check ids are 24-character strings (Ruby's "Expecting 24 symbol id string").
The first eight hex digits name what the id is of, so a task's id sent where a code
package's is expected is an unknown code package (404), never another object; the
last sixteen are the row's id. Projects have ids of their own (`Project.hex_id`), and so
do schedules (`Schedule.public_id`, random 24 hex digits as ndscheduler's are 32).
"""

import enum
import re

from coordinator.errors import NotFound

_HEX_ID = re.compile(r'([0-9a-f]{8})([0-9a-f]{16})')
MAX_ROW_ID = 2**63 - 1


class Kind(enum.IntEnum):
    CODE = 0xC0DE
    REVISION = 0xC0DE0001
    TASK = 0x7A5C


def encode(kind: Kind, number: int) -> str:
    return f'{kind:08x}{number:016x}'


def decode(kind: Kind, text: str) -> int:
    """The row id an id of `kind` names; NotFound for anything else."""
    found = _HEX_ID.fullmatch(text)
    # a number past the databases' 64-bit signed integers names no row (and would overflow)
    if found is None or int(found[1], 16) != kind or int(found[2], 16) > MAX_ROW_ID:
        raise NotFound(f'no {kind.name.lower()} {text[:40]}')
    return int(found[2], 16)
