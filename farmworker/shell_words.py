"""A Seed `interface.command` split into argv and expanded as bash would, without running a shell.

Seed asks executors that expand variables to follow bash's conventions. This is the
part of bash a command line needs, and no more:

- words split at unquoted blanks; '...' quotes everything literally, "..." quotes but
  expands `$`, backslash escapes as in bash (and a backslash-newline joins lines);
- `$NAME`, `${NAME}`, and the `${NAME/#/PREFIX}` idiom the Seed usage guide gives for an
  optional input ("PREFIX and the value if NAME is set, else nothing");
- an unquoted word that expands to nothing is no argument at all (bash drops it too), so
  an optional input left out leaves no empty argument behind; `""` stays one.

Where it differs from bash, it does so to keep a payload from becoming code:

- a value is inserted once, as text: never split into several arguments (as if it
  were quoted), never globbed, never expanded again;
- text in single quotes is left alone, so `sh -c 'work "$INPUT"'` hands the inner shell
  the variable, which it reads from the environment, never the value pasted into code
  (splitting with shlex first would lose the quotes and paste it: an injection);
- what needs a shell is refused with a message instead of passed on as arguments:
  unquoted `| & ; < > ( )`, `$(...)`, backquotes, and `${...}` forms beyond the above.
  Such a command runs as `sh -c '...'`, written so in the job type.
"""

import re
from collections.abc import Callable

# `$NAME`, `${NAME}` or `${NAME/#/PREFIX}`; group 1 or 2 is the name, group 3 the prefix
_EXPANSION = re.compile(r'\$(?:([A-Za-z_]\w*)|\{([A-Za-z_]\w*)(?:/#/([^}]*))?\})')
_OPERATORS = frozenset('|&;<>()')
_BLANKS = frozenset(' \t\n')
_ESCAPED_IN_DOUBLE_QUOTES = frozenset('$`"\\\n')
_SPECIAL_PARAMETERS = frozenset('0123456789@*#?$!-')  # `$1`, `$@`...: a script's, not ours


class CommandSyntaxError(ValueError):
    """The command uses shell syntax that cannot be run without a shell."""


Lookup = Callable[[str], str | None]  # a variable's value, or None when it is unset


def split_command(command: str, lookup: Lookup) -> list[str]:
    """`command` as argv, each `$NAME` replaced by `lookup(NAME)` (nothing when None)."""
    return _Splitter(command, lookup).words()


class _Splitter:
    def __init__(self, command: str, lookup: Lookup) -> None:
        self.text, self.lookup = command, lookup
        self.at = 0
        self.argv: list[str] = []
        self.fields: list[str] = ['']  # the current word; an unquoted PREFIX may split it
        self.quoted = False  # the word has a quoted part, so it is an argument even if empty

    def words(self) -> list[str]:
        self._scan(in_double_quotes=False)
        self._end_word()
        return self.argv

    def _scan(self, *, in_double_quotes: bool) -> None:
        """Read on to the end of the command, or of the double-quoted text begun."""
        opened_at = self.at - 1
        while self.at < len(self.text):
            char = self.text[self.at]
            if in_double_quotes and char == '"':
                self.at += 1
                return
            if char == '\\':
                self._escape(always=not in_double_quotes)
            elif char == '$':
                self._expand(quoted=in_double_quotes)
            elif in_double_quotes:
                self._literal(char, quoted=True)
            elif char in _BLANKS:
                self._end_word()
                self.at += 1
            elif char == "'":
                self._single_quoted()
            elif char == '"':
                self.quoted, self.at = True, self.at + 1
                self._scan(in_double_quotes=True)
            else:
                self._literal(char, quoted=False)
        if in_double_quotes:
            raise CommandSyntaxError(f'unterminated double quote at column {opened_at + 1}')

    def _literal(self, char: str, *, quoted: bool) -> None:
        self._refuse_shell_syntax(char, quoted=quoted)
        self.fields[-1] += char
        self.at += 1

    def _end_word(self) -> None:
        if self.quoted and self.fields == ['']:
            self.argv.append('')
        else:
            self.argv += [field for field in self.fields if field]
        self.fields, self.quoted = [''], False

    def _single_quoted(self) -> None:
        end = self.text.find("'", self.at + 1)
        if end < 0:
            raise CommandSyntaxError(f'unterminated single quote at column {self.at + 1}')
        self.fields[-1] += self.text[self.at + 1:end]
        self.quoted, self.at = True, end + 1

    def _escape(self, *, always: bool) -> None:
        """A backslash: outside quotes it escapes any character, inside "..." only a few."""
        following = self.text[self.at + 1:self.at + 2]
        if following == '\n':  # a line continuation
            pass
        elif following and (always or following in _ESCAPED_IN_DOUBLE_QUOTES):
            self.fields[-1] += following
        else:  # a backslash bash keeps: before another character in "...", or at the end
            self.fields[-1] += '\\'
            self.at += 1
            return
        self.at += 2

    def _expand(self, *, quoted: bool) -> None:
        match = _EXPANSION.match(self.text, self.at)
        if match is None:
            self._refuse_expansion()
            self.fields[-1] += '$'  # a `$` bash keeps as it is: before a blank, `%`, the end
            self.at += 1
            return
        self.at = match.end()
        value = self.lookup(match.group(1) or match.group(2))
        if value is None:
            return
        prefix = match.group(3) or ''
        if quoted:
            self.fields[-1] += prefix + value
            return
        # an unquoted prefix is split at its blanks (`-d ` gives the switch its own argument);
        # the value never is
        pieces = re.split(r'[ \t\n]+', prefix)
        self.fields[-1] += pieces[0]
        for piece in pieces[1:]:
            self.fields.append(piece)
        self.fields[-1] += value

    def _refuse_expansion(self) -> None:
        rest = self.text[self.at:]
        if rest.startswith('${'):
            end = rest.find('}')
            shown = rest if end < 0 else rest[:end + 1]
            raise CommandSyntaxError(
                f'{shown} is not an expansion farmworker makes: it expands $NAME, ${{NAME}} '
                "and ${NAME/#/PREFIX}; for more, run the command with sh -c '...'")
        if rest.startswith('$('):
            raise CommandSyntaxError("command substitution $(...) needs a shell: run the "
                                     "command with sh -c '...'")
        if rest[1:2] and rest[1] in _SPECIAL_PARAMETERS:
            raise CommandSyntaxError(f'${rest[1]} is a shell parameter farmworker does not '
                                     "expand: run the command with sh -c '...'")

    def _refuse_shell_syntax(self, char: str, *, quoted: bool) -> None:
        if char == '`':
            raise CommandSyntaxError("command substitution `...` needs a shell: run the command "
                                     "with sh -c '...'")
        if not quoted and char in _OPERATORS:
            raise CommandSyntaxError(
                f'{char!r} at column {self.at + 1} is shell syntax and farmworker runs the '
                "command without a shell: quote it, or run the command with sh -c '...'")
