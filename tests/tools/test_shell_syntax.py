"""Word splitting, quoting and plain-script recognition."""

from __future__ import annotations

import pytest

from app_server.tools.shell_syntax import join_words, parse_plain_script, quote_word, split_words

from .reference_data import load_fixture


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("ls -la src", ["ls", "-la", "src"]),
        ("  a\tb\nc ", ["a", "b", "c"]),
        ("cat 'a b' \"c d\"", ["cat", "a b", "c d"]),
        ('echo "a\\$b \\x"', ["echo", "a$b \\x"]),
        ("a\\ b", ["a b"]),
        ("x # comment\ny", ["x", "y"]),
        ("a#b", ["a#b"]),
        ("'it'\"'\"'s'", ["it's"]),
        ("", []),
    ],
)
def test_split_words(text: str, words: list[str]) -> None:
    assert split_words(text) == words


@pytest.mark.parametrize("text", ["'open", '"open', "trailing\\"])
def test_split_words_refuses_unbalanced_text(text: str) -> None:
    assert split_words(text) is None


@pytest.mark.parametrize(
    ("word", "quoted"),
    [
        ("plain-word_1.2/x:y@z+]", "plain-word_1.2/x:y@z+]"),
        ("", "''"),
        ("a b", "'a b'"),
        ("1,10p", "'1,10p'"),
        ("--x=1", "'--x=1'"),
        ("a'b", '"a\'b"'),
        ("a^b", "a'^b'"),
        ("^a", "'^a'"),
        ("a!b", "'a!b'"),
        ("é.txt", "'é.txt'"),
        ("a\\$b", "\"a\\\\\"'$b'"),
        ('\\"x\\"', '"\\\\\\"x\\\\\\""'),
        ("[", "'['"),
    ],
)
def test_quote_word_matches_the_reference(word: str, quoted: str) -> None:
    assert quote_word(word) == quoted
    assert split_words(quoted) == [word]


def test_join_words_reports_nul_bytes() -> None:
    assert join_words(["echo", "a\0b"]) == "<command included NUL byte>"


@pytest.mark.parametrize(
    ("words", "joined"),
    [
        (["/bin/bash", "-lc", "ls -la"], "/bin/bash -lc 'ls -la'"),
        (["ls", "-la", "a b"], "ls -la 'a b'"),
        (["touch", ""], "touch ''"),
        (["echo", 'it\'s "q"'], 'echo "it\'s \\"q\\""'),
        (["echo", "$HOME"], "echo '$HOME'"),
        (["printf", "a\nb"], "printf 'a\nb'"),
        (["cat", "ü.txt"], "cat 'ü.txt'"),
        (["echo", "$'x'"], "echo '$'\"'x'\""),
        (["touch", "a\0b"], "<command included NUL byte>"),
    ],
)
def test_join_words_shows_a_command_as_the_reference_does(words: list[str], joined: str) -> None:
    assert join_words(words) == joined


@pytest.mark.parametrize(
    "case", load_fixture("shell_quoting_reference.json"), ids=lambda c: repr(c["word"])
)
def test_join_words_matches_the_0107_captures(case: dict[str, str]) -> None:
    assert join_words(["xx", case["word"]]) == case["joined"]
    if "\0" not in case["word"]:
        assert split_words(case["joined"]) == ["xx", case["word"]]


@pytest.mark.parametrize(
    ("script", "commands"),
    [
        ("ls -la", [["ls", "-la"]]),
        (
            "ls && cat a || rg x | wc -l; pwd",
            [["ls"], ["cat", "a"], ["rg", "x"], ["wc", "-l"], ["pwd"]],
        ),
        ("cat 'a b' \"c\"", [["cat", "a b", "c"]]),
        ('grep "a\\"b" f', [["grep", 'a\\"b', "f"]]),
        ("ls a\\ b", [["ls", "a\\ b"]]),
        ("foo \\\n bar", [["foo", "bar"]]),
        ("foo ;\nbar", [["foo"], ["bar"]]),
        ("foo |\nbar", [["foo"], ["bar"]]),
        ("ls *.txt ~", [["ls", "*.txt", "~"]]),
        ("time foo", [["time", "foo"]]),
        ("foo ''", [["foo", ""]]),
        # 0.107.0 joins quoted and unquoted parts into one word and takes
        # brackets, braces and newlines in strings as plain text
        ('foo ""', [["foo", ""]]),
        ("foo 'a'b \"c\"'d'", [["foo", "ab", "cd"]]),
        ('rg -g"*.py" x', [["rg", "-g*.py", "x"]]),
        ("foo x[0] {a,b} [[", [["foo", "x[0]", "{a,b}", "[["]]),
        ('foo "a\nb"', [["foo", "a\nb"]]),
        ("} && then x", [["}"], ["then", "x"]]),
    ],
)
def test_plain_scripts_are_split_into_commands(script: str, commands: list[list[str]]) -> None:
    assert parse_plain_script(script) == commands


@pytest.mark.parametrize(
    "script",
    [
        "",
        "\n\n",
        "echo $HOME",
        "echo `pwd`",
        'cat "$(x)"',
        "echo hi > out",
        "cat < in",
        "ls &",
        "ls |& wc",
        "(cd x)",
        "{ foo; }",
        "FOO=1 cmd",
        "export X=1",
        "if true; then x; fi",
        "! ls",
        "ls # comment",
        "foo;;",
        ";foo",
        "foo && && bar",
        "foo &&",
        '"foo" bar',
        'f"oo" bar',
        "foo ''\"\"",
        "foo ==",
        'foo "a$b"',
    ],
)
def test_scripts_with_more_than_plain_words_are_refused(script: str) -> None:
    assert parse_plain_script(script) is None
