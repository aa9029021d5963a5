"""Whether a task whose agent was lost (kill -9, a dead node) pays for it with one of its tries.

Decided by family, after each peer's word on what its tries are for:

- IronWorker: a code package's `retries` are "automatic retry on error" (the peer note,
  ../shared/peers/ironworker.md §3), the code's error. An agent that vanished is the
  cluster's fault, so its task is queued again without using a retry: a `retries: 0`
  task whose node died still runs, and `retry_count` stays what the code earned.
- ndscheduler: an execution runs once and its failure is its result (firing.enqueue, max
  tries 1), but a lost agent is no result of the job's: ending the execution `failed`
  would skip the user's cron work until the next fire, for a node's death. It is queued
  again and shows `running` again once an agent takes it (the peer note's item 5 would
  fail it; running it is what a user of a farm of nodes that come and go needs).
- Scale job types (and the native queue's) and taskfarm runs keep Scale's rule: `node-lost`
  is a SYSTEM failure that uses a try, and is retried while tries are left.

A free loss is bounded: a task that takes its node down with it each time (a cgroup
out-of-memory kill of the whole job step) must not take the cluster down one node after
another. Attempts that did not end in the task's own failure (losses, and hand-backs of a
draining agent, which are rare and cost nothing either) are free up to FREE_LOSSES; from
then on each loss counts as a failed try, so such a task ends in error `node-lost`.
"""

from coordinator.store import code_packages, schedules

FREE_LOSSES = 3


def loss_is_free(type_version: str | None, schedule_family: str | None, attempt: int,
                 failed_tries: int) -> bool:
    """Whether losing the agent of a task of this kind, at this attempt, leaves its tries be."""
    if type_version != code_packages.VERSION and schedule_family != schedules.FAMILY:
        return False
    return attempt - failed_tries <= FREE_LOSSES
