"""Seed command lines: split and expanded as bash does, values never code, shell syntax refused."""

import shutil
import subprocess

import pytest

from farmworker.shell_words import CommandSyntaxError, split_command

VARIABLES = {'INPUT_FILE': '/data/in.h5', 'OUTPUT_DIR': '/scratch/out', 'EMPTY': '',
             'SPACED': '/data/my file.h5', 'HOSTILE': '$(rm -rf ~); `id` ${OUTPUT_DIR} \'"'}


def split(command: str) -> list[str]:
    return split_command(command, VARIABLES.get)


# Commands whose values hold no blanks, or are quoted: where bash and farmworker agree.
AS_BASH_DOES = [
    '/app/job.sh ${INPUT_FILE} ${OUTPUT_DIR}',
    '/app/job.sh $INPUT_FILE $OUTPUT_DIR/result.csv',
    'prog --in=${INPUT_FILE} --out="${OUTPUT_DIR}/a b"',
    'prog ${UNSET} "${UNSET}" "" x${UNSET}y',
    "prog 'single $INPUT_FILE quoted' \"double $INPUT_FILE quoted\"",
    'prog a\\ b "c\\d\\$e\\"f" \'g\\h\'',
    'prog one \\\n  two',
    'prog ${INPUT_FILE/#/-i } ${UNSET/#/-u } "${INPUT_FILE/#/-q }"',
    'prog "$SPACED" "${SPACED}"',
    'prog $EMPTY "$EMPTY" ${EMPTY/#/-e }',
    'prog cost=$ 100% $% a$',
    '  prog\tleading   and trailing blanks  ',
    'prog "${HOSTILE}"',
]


@pytest.mark.skipif(shutil.which('bash') is None, reason='needs bash')
@pytest.mark.parametrize('command', AS_BASH_DOES)
def test_the_split_is_the_one_bash_makes(command):
    bash = subprocess.run(['bash', '-c', f'printf "%s\\0" {command}'], env=VARIABLES,
                          capture_output=True, check=True)
    expected = bash.stdout.decode().split('\0')[:-1]
    assert split(command) == expected


def test_seed_placeholders_become_the_paths():
    assert split('/app/job.sh ${INPUT_FILE} ${OUTPUT_DIR}') == [
        '/app/job.sh', '/data/in.h5', '/scratch/out']


def test_a_value_is_one_argument_even_unquoted():
    # bash would split this one in two; a path with a space stays one argument here
    assert split('prog $SPACED ${SPACED}') == ['prog', '/data/my file.h5', '/data/my file.h5']


def test_a_hostile_value_is_inserted_as_text_and_never_expanded_again():
    assert split('prog ${HOSTILE}') == ['prog', VARIABLES['HOSTILE']]


def test_an_optional_input_left_out_leaves_no_argument_and_its_switch_goes_too():
    assert split('prog ${UNSET} ${UNSET/#/-d } ${INPUT_FILE/#/-d } end') == [
        'prog', '-d', '/data/in.h5', 'end']


def test_single_quotes_keep_the_variable_for_an_inner_shell():
    assert split("sh -c 'work \"$INPUT_FILE\" > $OUTPUT_DIR/log'") == [
        'sh', '-c', 'work "$INPUT_FILE" > $OUTPUT_DIR/log']


def test_an_empty_command_has_no_words():
    assert split('') == [] and split('   ') == []


@pytest.mark.parametrize('command, says', [
    ('prog a | tee log', "'|' at column 8 is shell syntax"),
    ('prog > $OUTPUT_DIR/log', "'>' at column 6 is shell syntax"),
    ('prog; rm -rf /', "';' at column 5 is shell syntax"),
    ('prog && next', "'&' at column 6 is shell syntax"),
    ('prog $(date)', 'command substitution $(...) needs a shell'),
    ('prog "$(date)"', 'command substitution $(...) needs a shell'),
    ('prog `date`', 'command substitution `...` needs a shell'),
    ('prog "`date`"', 'command substitution `...` needs a shell'),
    ('prog ${INPUT_FILE:-default}', '${INPUT_FILE:-default} is not an expansion farmworker'),
    ('prog ${#INPUT_FILE}', '${#INPUT_FILE} is not an expansion'),
    ('prog ${unterminated', '${unterminated is not an expansion'),
    ('prog $1 $@', '$1 is a shell parameter farmworker does not expand'),
    ("prog 'open", 'unterminated single quote at column 6'),
    ('prog "open', 'unterminated double quote at column 6'),
])
def test_shell_syntax_is_refused_with_a_message(command, says):
    with pytest.raises(CommandSyntaxError) as raised:
        split(command)
    assert says in str(raised.value)


def test_shell_syntax_inside_quotes_is_just_text():
    assert split('''prog "a|b;c>d" 'e&f(g)' ''') == ['prog', 'a|b;c>d', 'e&f(g)']
