"""One Anki card's two sides as HTML, from its note type's card template, as Anki does.

Supported template syntax: ``{{Field}}``, filters before the name (``text:``, ``hint:``
and the like show the field; ``type:`` draws a typing box in Anki, nothing here;
``cloze:`` below), ``{{#Field}}...{{/Field}}`` (shown when the field is not empty) and
``{{^Field}}...{{/Field}}`` (when it is), and ``{{FrontSide}}`` on the answer side. The
answer is what Anki shows after ``<hr id=answer>`` (the question above it is the
question side already), or the whole answer side without its ``{{FrontSide}}``.

Cloze: card ``ord`` n shows deletion n+1 hidden, as ``[...]`` or ``[hint]``, and every
other deletion as its text; its answer is the cloze field with that deletion revealed
(in bold); the note type's other fields (Back Extra) become the card's note. Nested
deletions are shown as their text.

Everything here is linear in the template and the fields: tags are found with regexes
that never read past the next brace.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from calcquiz.anki_import.package import AnkiNote, NoteType

_TAG = re.compile(r"\{\{([^{}]*)\}\}")
_CLOZE = re.compile(r"\{\{c(\d+)::([^{}]*?)(?:::([^{}]*?))?\}\}", re.S)
_HR_ANSWER = re.compile(r"<hr[^<>]*\bid\s*=\s*[\"']?answer[\"']?[^<>]*>", re.I)
_EMPTYISH = re.compile(r"<br\s*/?>|<div>\s*</div>|&nbsp;|\s", re.I)


@dataclass(frozen=True)
class CardSides:
    question: str  # HTML
    answer: str  # HTML
    note: str = ""  # HTML: the fields a cloze card shows beside the cloze


def field_is_empty(html: str) -> bool:
    """Anki's test for ``{{#Field}}``: nothing but whitespace and empty line breaks."""
    return not _EMPTYISH.sub("", html)


def cloze_numbers(note_type: NoteType, note: AnkiNote) -> list[int]:
    """The deletion numbers (1, 2, ...) in the note's cloze fields."""
    numbers: set[int] = set()
    for name in _cloze_fields(note_type):
        numbers.update(int(m.group(1)) for m in _CLOZE.finditer(_field(note_type, note, name)))
    return sorted(numbers)


def render(note_type: NoteType, note: AnkiNote, ord_: int) -> CardSides | None:
    """The card ``ord_`` of ``note``; None when its note type has no such template."""
    if note_type.cloze:
        template = note_type.templates.get(0)
        number = ord_ + 1
    else:
        template = note_type.templates.get(ord_)
        number = 0
    if template is None:
        return None
    qfmt, afmt = template
    values = {name: _field(note_type, note, name) for name in note_type.fields}
    question = _render(qfmt, values, number, reveal=False, front="")
    if note_type.cloze:
        clozes = _cloze_fields(note_type)
        answer = "<br>".join(_cloze(values.get(n, ""), number, reveal=True) for n in clozes)
        extra = [
            values[n] for n in note_type.fields if n not in clozes and not field_is_empty(values[n])
        ]
        return CardSides(question, answer, "<br><br>".join(extra))
    full = _render(afmt, values, number, reveal=True, front=question)
    split = _HR_ANSWER.search(full)
    if split is not None:
        answer = full[split.end() :]
    else:
        answer = _render(afmt, values, number, reveal=True, front="")
    return CardSides(question, answer)


def unused_fields(note_type: NoteType, note: AnkiNote) -> list[tuple[str, str]]:
    """``(name, value)`` of the non-empty fields no template shows (kept in the note)."""
    used = {
        _name(m.group(1)) for q, a in note_type.templates.values() for m in _TAG.finditer(q + a)
    }
    return [
        (name, value)
        for name in note_type.fields
        if name not in used and not field_is_empty(value := _field(note_type, note, name))
    ]


def _field(note_type: NoteType, note: AnkiNote, name: str) -> str:
    try:
        index = note_type.fields.index(name)
    except ValueError:
        return ""
    return note.fields[index] if index < len(note.fields) else ""


def _cloze_fields(note_type: NoteType) -> list[str]:
    qfmt = note_type.templates.get(0, ("", ""))[0]
    names = []
    for match in _TAG.finditer(qfmt):
        parts = match.group(1).split(":")
        if len(parts) > 1 and "cloze" in (p.strip() for p in parts[:-1]):
            names.append(parts[-1].strip())
    return names


def _name(tag: str) -> str:
    tag = tag.strip()
    if tag[:1] in "#^/":
        tag = tag[1:]
    return tag.split(":")[-1].strip()


def _cloze(text: str, number: int, reveal: bool) -> str:
    def one(match: re.Match[str]) -> str:
        body, hint = match.group(2), match.group(3)
        if int(match.group(1)) != number:
            return body
        if reveal:
            return f"<b>{body}</b>"
        return f"[{hint}]" if hint else "[...]"

    return _CLOZE.sub(one, text)


def _render(template: str, values: dict[str, str], number: int, reveal: bool, front: str) -> str:
    """The template with its tags filled in; sections by a stack, in one pass."""
    out: list[str] = []
    hidden: list[bool] = []  # one per open section: is its content left out?
    hiding = 0  # how many of them are: content shows while this is 0
    pos = 0
    for match in _TAG.finditer(template):
        if not hiding:
            out.append(template[pos : match.start()])
        pos = match.end()
        tag = match.group(1).strip()
        if tag[:1] in "#^":
            empty = field_is_empty(values.get(tag[1:].strip(), ""))
            hidden.append(empty if tag[0] == "#" else not empty)
            hiding += hidden[-1]
            continue
        if tag[:1] == "/":
            if hidden:
                hiding -= hidden.pop()
            continue
        if hiding:
            continue
        if tag == "FrontSide":
            out.append(front)
            continue
        *filters, name = (part.strip() for part in tag.split(":"))
        value = values.get(name, "")
        if "type" in filters:
            continue
        if "cloze" in filters:
            value = _cloze(value, number, reveal)
        out.append(value)
    if not hiding:
        out.append(template[pos:])
    return "".join(out)
