"""Finding text a translator never sees: words in templates outside {% translate %} and
{% blocktranslate %}, and messages without a French translation in locale/fr.

Used by tests/test_translations.py; runnable on its own while marking strings:
    .venv/bin/python -m tests.i18n_checks templates/workplans
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

from django.template.base import Lexer, TokenType

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
CATALOGUE = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"
# What makemessages reads: the project's own code and templates (not the tests, the vendored
# static files, the docs or the virtualenv).
SOURCES = [
    "manage.py",
    "pmsystem",
    "org",
    "workplans",
    "appraisals",
    "rebuttals",
    "feedback",
    "standards",
    "training",
    "schedules",
    "board",
    "compliance",
    "demo",
]
SOURCES += ["templates"]

# Words that are the same in every language: the product's name and file formats.
UNTRANSLATED_WORDS = {"pmsystem", "CSV", "XLSX", "PDF", "SHA-256", "TOTP", "OpenID"}
# Attributes whose value people read (or hear, with a screen reader).
READ_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-description", "label"}
# Elements whose content is not prose.
SKIPPED_ELEMENTS = {"script", "style"}
# Date formats that are not for reading: ISO 8601 in attributes, the epoch.
MACHINE_DATE_FORMATS = {"c", "U", "Y-m-d", "r"}
NAMED_DATE_FORMATS = {
    "DATE_FORMAT",
    "DATETIME_FORMAT",
    "SHORT_DATE_FORMAT",
    "SHORT_DATETIME_FORMAT",
    "TIME_FORMAT",
    "YEAR_MONTH_FORMAT",
    "MONTH_DAY_FORMAT",
}
# A placeholder for every {{ variable }} and {% tag %}: letters that stand for a value.
HOLE = "\x00"
ATTRIBUTES_ONLY = re.compile(r"""^(\s*[\w:-]+=("[^"]*"|'[^']*'))+\s*$""")
LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
STRING_LITERAL = re.compile(r"""(_\()?("[^"]*"|'[^']*')""")
DATE_FILTER = re.compile(r"""\|(?:date|time):(?:"([^"]*)"|'([^']*)')""")
# Filters and tag arguments whose string literal is shown to the reader.
SHOWN_LITERAL = re.compile(r"""\|(?:default|default_if_none|yesno|add):(?!_\()("[^"]*"|'[^']*')""")


def _has_words(text: str) -> bool:
    if ATTRIBUTES_ONLY.match(text.replace(HOLE, " ")):
        # A block that fills in a tag's attributes ({% block main_attrs %} class="narrow").
        return False
    words = [w for w in re.split(r"[\s" + HOLE + r"]+", text) if LETTERS.search(w)]
    return any(w.strip(".,:;()[]·—–-!?“”\"'") not in UNTRANSLATED_WORDS for w in words)


class _TextFinder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self.skipping: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED_ELEMENTS:
            self.skipping.append(tag)
        submit = tag == "input" and dict(attrs).get("type") in {"submit", "button", "reset"}
        for name, value in attrs:
            if value and (name in READ_ATTRIBUTES or (submit and name == "value")):
                if _has_words(value):
                    self.found.append((self.getpos()[0], f'{name}="{value.strip()}"'))

    def handle_endtag(self, tag):
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()

    def handle_data(self, data):
        if not self.skipping and _has_words(data):
            # getpos() is where the data starts; the words may come a few lines later.
            line = self.getpos()[0] + data[: LETTERS.search(data).start()].count("\n")
            self.found.append((line, " ".join(data.replace(HOLE, " ").split())))


def unmarked_text(source: str) -> list[tuple[int, str]]:
    """(line, text) for every piece of prose in a template that is not marked for
    translation, and every date written with a spelled-out format instead of a named one."""
    tokens = Lexer(source).tokenize()
    pieces: list[str] = []
    problems: list[tuple[int, str]] = []
    inside: list[str] = []  # open blocks whose text is not prose: comment, verbatim, blocktrans
    closers = {
        "comment": "endcomment",
        "verbatim": "endverbatim",
        "blocktranslate": "endblocktranslate",
        "blocktrans": "endblocktrans",
    }
    for token in tokens:
        if token.token_type is TokenType.TEXT:
            if inside:
                # Keep the line count right: the parser numbers lines from the joined text.
                pieces.append("\n" * token.contents.count("\n"))
            else:
                pieces.append(token.contents)
            continue
        if token.token_type is TokenType.BLOCK:
            name = token.contents.split(" ", 1)[0]
            if inside and name == closers[inside[-1]]:
                inside.pop()
            elif name in closers and not inside:
                inside.append(name)
        if token.token_type in (TokenType.VAR, TokenType.BLOCK):
            problems.extend(_literal_problems(token.lineno, token.contents))
        pieces.append(HOLE)
    finder = _TextFinder()
    finder.feed("".join(pieces))
    finder.close()
    return sorted(problems + finder.found)


def _literal_problems(line: int, contents: str) -> list[tuple[int, str]]:
    problems = []
    for match in DATE_FILTER.finditer(contents):
        fmt = match.group(1) if match.group(1) is not None else match.group(2)
        if fmt not in NAMED_DATE_FORMATS | MACHINE_DATE_FORMATS:
            problems.append((line, f"date format {fmt!r}: use a named one (SHORT_DATE_FORMAT…)"))
    for match in SHOWN_LITERAL.finditer(contents):
        if _has_words(match.group(1)[1:-1]):
            problems.append((line, f"{match.group(0)}: mark it _(…)"))
    name = contents.split(" ", 1)[0]
    if name in {"firstof", "cycle"} or (name == "include" and " with " in contents):
        args = contents.split(" with ", 1)[1] if name == "include" else contents
        for prefix, literal in STRING_LITERAL.findall(args):
            text = literal[1:-1]
            # Identifiers ("entrance", "sro") are not prose; a sentence or a title is.
            if not prefix and _has_words(text) and (" " in text or text[:1].isupper()):
                problems.append((line, f"{{% {contents} %}}: mark {literal} _(…)"))
    return problems


def unmarked_in(directory: Path = TEMPLATES) -> list[str]:
    """Every unmarked piece of text under `directory` (or in one file), as 'path:line: text'."""
    found = []
    for path in [directory] if directory.is_file() else sorted(directory.rglob("*")):
        if path.suffix not in {".html", ".txt"} or not path.is_file():
            continue
        for line, text in unmarked_text(path.read_text()):
            found.append(f"{path.relative_to(ROOT)}:{line}: {text}")
    return found


def extract_messages(workdir: Path) -> Path:
    """makemessages over a copy of the sources (so the real catalogue is not touched);
    returns the fresh French .po file."""
    for name in SOURCES:
        source = ROOT / name
        target = workdir / name
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "locale"))
        else:
            shutil.copy(source, target)
    (workdir / "locale").mkdir()
    # The copied settings find BASE_DIR (and so LOCALE_PATHS) inside the copy.
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-location", "-v", "0"],
        cwd=workdir,
        check=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "pmsystem.settings"},
    )
    return workdir / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def untranslated(fresh_po: Path, catalogue: Path = CATALOGUE) -> list[str]:
    """Messages of `fresh_po` that `catalogue` lacks, has fuzzy or leaves empty."""
    import polib

    known = {
        (entry.msgctxt, entry.msgid): entry
        for entry in (polib.pofile(str(catalogue)) if catalogue.exists() else [])
    }
    missing = []
    for entry in polib.pofile(str(fresh_po)):
        theirs = known.get((entry.msgctxt, entry.msgid))
        translated = theirs is not None and not theirs.fuzzy and not theirs.obsolete
        if translated and entry.msgid_plural:
            translated = all(theirs.msgstr_plural.values())
        elif translated:
            translated = bool(theirs.msgstr)
        if not translated:
            context = f"[{entry.msgctxt}] " if entry.msgctxt else ""
            missing.append(f"{context}{entry.msgid!r}")
    return missing


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmsystem.settings")
    django.setup()
    paths = [arg for arg in sys.argv[1:] if not arg.startswith("--")]
    targets = [Path(arg).resolve() for arg in paths] or [TEMPLATES]
    found = [line for target in targets for line in unmarked_in(target)]
    print("\n".join(found) or "Every template string is marked.")
    if "--po" in sys.argv:
        with tempfile.TemporaryDirectory() as tmp:
            print("\n".join(untranslated(extract_messages(Path(tmp)))))
    sys.exit(1 if found else 0)
