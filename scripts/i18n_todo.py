"""Hand work to translators: list what a catalogue lacks, and take their answers back.

    .venv/bin/python scripts/i18n_todo.py missing es > es.json   # {msgid: ""} for untranslated or fuzzy
    .venv/bin/python scripts/i18n_todo.py fill es es.json        # writes the answers, clears "fuzzy"

Plural entries appear with the msgid as key and a list of forms as the expected value.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent


def _path(language: str) -> Path:
    return ROOT / "translations" / language / "LC_MESSAGES" / "messages.po"


def _load(language: str):
    with _path(language).open("rb") as handle:
        return read_po(handle, locale=language)


def _key(message) -> str:
    return message.id[0] if isinstance(message.id, tuple) else message.id


def missing(language: str) -> dict:
    todo = {}
    for message in _load(language):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            todo[_key(message)] = ["" for _ in strings] if isinstance(message.id, tuple) else ""
    return todo


def fill(language: str, answers: dict) -> int:
    catalogue = _load(language)
    done = 0
    for message in catalogue:
        answer = answers.get(_key(message)) if message.id else None
        if not answer:
            continue
        message.string = tuple(answer) if isinstance(message.id, tuple) else answer
        message.flags.discard("fuzzy")
        message.previous_id = []
        done += 1
    with _path(language).open("wb") as handle:
        write_po(handle, catalogue, width=0, omit_header=False, ignore_obsolete=True)
    return done


if __name__ == "__main__":
    command, language = sys.argv[1], sys.argv[2]
    if command == "missing":
        json.dump(missing(language), sys.stdout, ensure_ascii=False, indent=1)
    elif command == "fill":
        print(f"{fill(language, json.loads(Path(sys.argv[3]).read_text()))} messages filled")
    else:
        sys.exit(__doc__)
