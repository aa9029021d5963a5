"""The audit trail: one row per change a person made."""

import json
import time

from coordinator.models import AuditLog
from coordinator.store.access import Principal


def record(principal: Principal | None, action: str, object_type: str, object_id, *,
           project_id: int | None = None, now: float | None = None, **detail) -> None:
    """Append an audit entry; call inside the transaction that made the change."""
    AuditLog.insert(
        created_at=time.time() if now is None else now,
        actor=principal.user_id if principal else None,
        project=project_id if project_id is not None else (principal.project_id if principal else None),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        detail=json.dumps(detail, sort_keys=True) if detail else None,
    ).execute()
