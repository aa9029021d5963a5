"""Command templates and task environments: exact substitution, untouched braces, no token leak."""

from farmworker.commands import placeholders, render, task_environment


def test_the_task_number_is_substituted_in_every_argument():
    template = ['./simulate', '--seed={task}', 'out/{task}/result-{task}.h5']
    assert render(template, {'task': '7'}) == [
        './simulate', '--seed=7', 'out/7/result-7.h5']


def test_several_names_are_substituted():
    assert render(['{run}:{task}'], {'task': '3', 'run': 'abc'}) == ['abc:3']


def test_braces_that_are_not_placeholders_survive():
    template = ['awk', '{print $1}', 'echo ${HOME}', '{}', '{ task }', '{1}', '}{', '{task']
    assert render(template, {'task': '7'}) == template


def test_shell_parameter_expansion_is_left_to_the_shell():
    assert render(['sh', '-c', 'echo ${task} {task}'], {'task': '7'}) == [
        'sh', '-c', 'echo ${task} 7']


def test_placeholders_without_a_value_are_left_as_written():
    assert render(['{task}', '{unknown}'], {'task': '7'}) == ['7', '{unknown}']


def test_doubled_braces_give_a_literal_placeholder():
    assert render(['{{task}}', '{{task}}={task}'], {'task': '7'}) == ['{task}', '{task}=7']


def test_doubled_braces_of_other_names_are_untouched():
    template = ['docker', 'ps', '--format', '{{range .Mounts}}{{.Source}}{{end}}', '{{x}}']
    assert render(template, {'task': '7'}) == template


def test_values_are_inserted_once_and_never_expanded_again():
    assert render(['{a}', '{b}'], {'a': '{b}', 'b': '{a}'}) == ['{b}', '{a}']


def test_a_value_with_spaces_stays_one_argument():
    assert render(['echo', '{task}'], {'task': 'a b; rm -rf /'}) == ['echo', 'a b; rm -rf /']


def test_an_input_line_with_quotes_dollars_and_placeholders_stays_one_literal_argument():
    line = """it's "quoted" $HOME ${HOME} {task} {{line}} \\ ;|&"""
    assert render(['prog', '--in={line}', '{task}'], {'task': '7', 'line': line}) == [
        'prog', f'--in={line}', '7']


def test_rendering_does_not_change_the_template():
    template = ('run', '{task}')
    rendered = render(template, {'task': '1'})
    assert template == ('run', '{task}')
    assert isinstance(rendered, list)


def test_an_empty_template_renders_empty():
    assert render([], {'task': '1'}) == []


def test_placeholders_lists_the_names_a_template_uses():
    template = ['x', '{task}', '{run}-{task}', '{{escaped}}', '${HOME}', 'awk {print $1}',
                '{typo}']
    assert placeholders(template) == {'task', 'run', 'typo'}


def test_a_template_without_placeholders_has_none():
    assert placeholders(['true']) == set()


def environment(base, **overrides):
    facts = {'task': 7, 'run': 'run-uuid', 'attempt': 2, 'task_dir': '/scratch/t7', 'slots': 4}
    return task_environment(base, **{**facts, **overrides})


def test_the_task_environment_carries_the_farm_facts_as_strings():
    environ = environment({'PATH': '/usr/bin', 'HOME': '/home/alice'})
    assert environ == {
        'PATH': '/usr/bin', 'HOME': '/home/alice',
        'FARM_TASK': '7', 'FARM_RUN': 'run-uuid', 'FARM_ATTEMPT': '2',
        'FARM_TASK_DIR': '/scratch/t7', 'FARM_SLOTS': '4',
    }


def test_the_agent_token_is_not_passed_to_tasks():
    base = {'FARM_TOKEN': 'secret', 'FARM_URL': 'http://coordinator:8080', 'PATH': '/bin'}
    environ = environment(base)
    assert 'FARM_TOKEN' not in environ
    assert environ['FARM_URL'] == 'http://coordinator:8080'
    assert base['FARM_TOKEN'] == 'secret'


def test_stale_farm_facts_in_the_base_environment_are_replaced():
    environ = environment({'FARM_TASK': '1', 'FARM_ATTEMPT': '9'}, task=8, attempt=1)
    assert (environ['FARM_TASK'], environ['FARM_ATTEMPT']) == ('8', '1')


def test_the_base_environment_is_not_modified():
    base = {'PATH': '/bin'}
    environment(base)
    assert base == {'PATH': '/bin'}
