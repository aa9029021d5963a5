"""Job types in the store: define, edit, revisions only on real change, the built-in type of runs."""

import json

import pytest

from coordinator.errors import Forbidden, NotFound
from coordinator.models import AuditLog, JobType, Run, Task
from coordinator.states import TaskfarmStatus
from coordinator.store import dispatch, job_types, run_tasks, runs, users
from coordinator.store.access import Scope
from coordinator.store.job_types import Definition

MANIFEST = {'seedVersion': '1.0.0', 'job': {'name': 'resize', 'jobVersion': '1.0.0'}}
SECRET_CONFIG = {'settings': {'DB_HOST': 'db1', 'DB_PASS': 'hunter2'}}


def test_defining_a_new_type_makes_revision_one(alice_principal):
    job_type, created = job_types.define(alice_principal, 'resize', '1.0.0',
                                         Definition(manifest=MANIFEST, docker_image='resize:1'),
                                         {'title': 'Resize', 'max_scheduled': 2}, now=100.0)
    assert created and job_type.revision_num == 1 and job_type.max_scheduled == 2
    (first,) = job_types.revisions(alice_principal, 'resize', '1.0.0')
    assert (first.revision_num, json.loads(first.manifest), first.docker_image) == (
        1, MANIFEST, 'resize:1')


def test_a_new_revision_only_when_the_definition_really_changes(alice_principal):
    same = Definition(manifest=MANIFEST, docker_image='resize:1')
    job_types.define(alice_principal, 'resize', '1.0.0', same)
    job_type, created = job_types.define(alice_principal, 'resize', '1.0.0', same,
                                         {'max_tries': 5})
    assert not created and (job_type.revision_num, job_type.max_tries) == (1, 5)
    image_only = job_types.edit(alice_principal, 'resize', '1.0.0',
                                definition=Definition(manifest=MANIFEST, docker_image='resize:2'))
    assert image_only.revision_num == 2
    newest = job_types.revision(alice_principal, 'resize', '1.0.0', 2)
    assert newest.docker_image == 'resize:2'  # the revision snapshots the image too
    assert job_types.revision(alice_principal, 'resize', '1.0.0', 1).docker_image == 'resize:1'


def test_falsy_values_can_be_set_and_pausing_records_when(alice_principal):
    job_types.define(alice_principal, 'resize', '1.0.0', Definition(command=['echo']),
                     {'is_published': True, 'max_scheduled': 3})
    job_type = job_types.edit(alice_principal, 'resize', '1.0.0',
                              {'is_published': False, 'max_scheduled': None}, now=50.0)
    assert (job_type.is_published, job_type.max_scheduled) == (False, None)
    paused = job_types.set_paused(alice_principal, 'resize', '1.0.0', True, now=60.0)
    assert (paused.is_paused, paused.paused_at) == (True, 60.0)
    resumed = job_types.set_paused(alice_principal, 'resize', '1.0.0', False, now=70.0)
    assert (resumed.is_paused, resumed.paused_at) == (False, None)
    deprecated = job_types.edit(alice_principal, 'resize', '1.0.0', {'is_active': False}, now=80.0)
    assert deprecated.deprecated_at == 80.0


def test_an_audit_entry_never_holds_a_configuration(alice_principal):
    job_types.define(alice_principal, 'resize', '1.0.0', Definition(command=['echo']),
                     {'configuration': SECRET_CONFIG, 'title': 'Resize'})
    job_types.edit(alice_principal, 'resize', '1.0.0', {'configuration': SECRET_CONFIG})
    details = [entry.detail for entry in AuditLog.select().where(
        AuditLog.action.startswith('job_type.'))]
    assert len(details) == 2 and not any('hunter2' in (detail or '') for detail in details)


def test_a_system_type_can_only_be_paused_or_resumed(alice_principal):
    name, version = job_types.RUN_TYPE
    job_types.run_type_id(alice_principal.project_id)
    with pytest.raises(Forbidden, match='system job type'):
        job_types.edit(alice_principal, name, version, {'max_tries': 9})
    with pytest.raises(Forbidden, match='system job type'):
        job_types.define(alice_principal, name, version, Definition(command=['rm']))
    assert job_types.set_paused(alice_principal, name, version, True).is_paused


def test_worker_tokens_cannot_define_types_and_unknown_types_are_not_found(alice, alice_principal):
    worker = users.principal_for_token(users.create_token(alice, Scope.WORKER))
    with pytest.raises(Forbidden):
        job_types.define(worker, 'resize', '1.0.0', Definition(command=['echo']))
    with pytest.raises(NotFound, match='no job type resize 9.9.9'):
        job_types.edit(alice_principal, 'resize', '9.9.9', {'max_tries': 2})
    with pytest.raises(NotFound, match='no revision 7'):
        job_types.define(alice_principal, 'resize', '1.0.0', Definition(command=['echo']))
        job_types.revision(alice_principal, 'resize', '1.0.0', 7)


def test_runs_and_every_task_they_make_belong_to_the_projects_run_type(alice_principal,
                                                                       worker_uuid):
    run = runs.create_run(alice_principal, 4)
    run_type = JobType.get(JobType.project == alice_principal.project_id, JobType.is_system)
    assert Run.get_by_id(run.id).job_type_id == run_type.id
    dispatch.claim_tasks(alice_principal, run.uuid, worker_uuid, 2)  # rows made by claims
    run_tasks.update_task(alice_principal, run.uuid, 3, status=TaskfarmStatus.DONE)  # by a person
    assert sorted(task.job_type_id for task in Task.select()) == [run_type.id] * 3
    assert runs.create_run(alice_principal, 1).job_type_id == run_type.id  # one type per project
    assert JobType.select().count() == 1


def test_editing_part_of_a_definition_keeps_the_rest_in_a_new_revision(alice_principal):
    job_types.define(alice_principal, 'resize', '1.0.0',
                     Definition(manifest=MANIFEST, docker_image='resize:1'))
    edited = job_types.edit(alice_principal, 'resize', '1.0.0',
                            definition={'docker_image': 'resize:2'})
    assert (edited.revision_num, json.loads(edited.manifest)) == (2, MANIFEST)
    newest = job_types.revision(alice_principal, 'resize', '1.0.0', 2)
    assert (json.loads(newest.manifest), newest.docker_image) == (MANIFEST, 'resize:2')
    same = job_types.edit(alice_principal, 'resize', '1.0.0', definition={'manifest': MANIFEST})
    assert same.revision_num == 2


def test_the_longest_name_and_version_are_defined_edited_and_audited(alice_principal):
    name, version = 'n' * 64, '1.0.0-' + 'r' * 44  # the longest the columns hold
    job_types.define(alice_principal, name, version, Definition(command=['echo']))
    job_types.edit(alice_principal, name, version, {'max_tries': 2})
    entries = AuditLog.select().where(AuditLog.object_type == 'job_type').order_by(AuditLog.id)
    assert [(entry.action, json.loads(entry.detail)['name'], json.loads(entry.detail)['version'])
            for entry in entries] == [('job_type.create', name, version),
                                      ('job_type.edit', name, version)]
