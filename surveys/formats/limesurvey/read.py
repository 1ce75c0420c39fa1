"""A LimeSurvey survey structure file (.lss) as plain records, texts by LimeSurvey language.

The file is a `<document>` of tables (`<groups>`, `<questions>`, `<answers>`...), each a list of
`<row>`s. LimeSurvey 3 writes one row per language with its text inline; LimeSurvey 4 to 6 write
one row per item and its texts in `<group_l10ns>`, `<question_l10ns>`, `<answer_l10ns>`. Both are
read into the same records. Texts are HTML in LimeSurvey and plain text here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.utils.translation import gettext as _

from surveys.formats.limesurvey.problems import Finding, LimeSurveyError

Texts = dict[str, str]  # LimeSurvey language code -> text


@dataclass
class Answer:
    code: str
    order: int
    scale: int
    text: Texts = field(default_factory=dict)


@dataclass
class Question:
    qid: str
    gid: str
    type: str
    title: str
    order: int
    mandatory: str = "N"
    other: str = "N"
    relevance: str = ""
    scale: int = 0
    parent: str = "0"
    text: Texts = field(default_factory=dict)
    help: Texts = field(default_factory=dict)
    subquestions: list[Question] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)
    attributes: dict[str, str] = field(default_factory=dict)
    # Attributes given per language (other_replace_text...): name -> language -> value.
    localized: dict[str, Texts] = field(default_factory=dict)


@dataclass
class Group:
    gid: str
    order: int
    relevance: str = ""
    name: Texts = field(default_factory=dict)
    description: Texts = field(default_factory=dict)
    questions: list[Question] = field(default_factory=list)


@dataclass
class LssSurvey:
    sid: str
    languages: list[str]
    title: Texts = field(default_factory=dict)
    intro: Texts = field(default_factory=dict)
    groups: list[Group] = field(default_factory=list)


class _Text(HTMLParser):
    BREAKS = {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(html: str) -> str:
    """The text a respondent reads: tags dropped, entities decoded, one space between words and
    at most one empty line between paragraphs."""
    if "<" not in html and "&" not in html:
        return " ".join(html.split())
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def _rows(root: Element, table: str) -> list[dict[str, str]]:
    return [
        {child.tag: (child.text or "") for child in row}
        for row in root.findall(f"{table}/rows/row")
    ]


def _int(value: str | None) -> int:
    try:
        return int(str(value or "0").strip())
    except ValueError:
        return 0


def _put(texts: Texts, row: dict[str, str], key: str) -> None:
    language = row.get("language", "").strip()
    if language and key in row:
        texts[language] = plain_text(row[key])


def _document(content: bytes) -> Element:
    try:
        root = fromstring(content)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise LimeSurveyError(
            [
                Finding(
                    "",
                    _("The file is not a LimeSurvey file: it is not valid XML (%(error)s).")
                    % {"error": exc},
                )
            ]
        ) from exc
    kind = (root.findtext("LimeSurveyDocType") or "").strip()
    if root.tag != "document" or kind != "Survey":
        found = kind or root.tag
        raise LimeSurveyError(
            [
                Finding(
                    "",
                    _(
                        "The file is not a LimeSurvey survey structure (.lss): it holds "
                        "“%(kind)s”. Export the whole survey from LimeSurvey (Export → "
                        "Survey structure)."
                    )
                    % {"kind": found},
                )
            ]
        )
    return root


def _questions(root: Element, table: str) -> dict[str, Question]:
    found: dict[str, Question] = {}
    for row in _rows(root, table):
        qid = row.get("qid", "")
        question = found.get(qid)
        if question is None:
            question = found[qid] = Question(
                qid=qid,
                gid=row.get("gid", ""),
                type=row.get("type", "").strip(),
                title=row.get("title", "").strip(),
                order=_int(row.get("question_order")),
                mandatory=row.get("mandatory", "N").strip() or "N",
                other=row.get("other", "N").strip() or "N",
                relevance=row.get("relevance", "").strip(),
                scale=_int(row.get("scale_id")),
                parent=row.get("parent_qid", "0").strip() or "0",
            )
        # LimeSurvey 3: one row per language, the text inline.
        _put(question.text, row, "question")
        _put(question.help, row, "help")
    return found


def lss_read(*, content: bytes) -> LssSurvey:
    """The survey in `content`, or LimeSurveyError when it is not a LimeSurvey survey file."""
    root = _document(content)
    survey_row = next(iter(_rows(root, "surveys")), {})
    base = survey_row.get("language", "").strip()
    languages = [n.text.strip() for n in root.findall("languages/language") if n.text]
    if not languages:
        extra = survey_row.get("additional_languages", "").split()
        languages = [name for name in [base, *extra] if name]
    if base in languages:
        languages.remove(base)
        languages.insert(0, base)
    survey = LssSurvey(sid=survey_row.get("sid", "").strip(), languages=languages)
    for row in _rows(root, "surveys_languagesettings"):
        language = row.get("surveyls_language", "").strip()
        survey.title[language] = plain_text(row.get("surveyls_title", ""))
        intro = [
            plain_text(row.get(k, "")) for k in ("surveyls_description", "surveyls_welcometext")
        ]
        survey.intro[language] = "\n\n".join(text for text in intro if text)

    groups: dict[str, Group] = {}
    for row in _rows(root, "groups"):
        gid = row.get("gid", "")
        group = groups.setdefault(
            gid,
            Group(
                gid=gid,
                order=_int(row.get("group_order")),
                relevance=row.get("grelevance", "").strip(),
            ),
        )
        _put(group.name, row, "group_name")
        _put(group.description, row, "description")
    for row in _rows(root, "group_l10ns"):
        if (group := groups.get(row.get("gid", ""))) is not None:
            _put(group.name, row, "group_name")
            _put(group.description, row, "description")

    questions = _questions(root, "questions")
    subquestions = _questions(root, "subquestions")
    everything = {**questions, **subquestions}
    for row in _rows(root, "question_l10ns"):
        if (item := everything.get(row.get("qid", ""))) is not None:
            _put(item.text, row, "question")
            _put(item.help, row, "help")
    for sub in sorted(subquestions.values(), key=lambda s: (s.order, _int(s.qid))):
        parent = questions.get(sub.parent)
        if parent is not None:
            parent.subquestions.append(sub)

    answers: dict[tuple[str, int, str], Answer] = {}
    by_aid: dict[str, Answer] = {}
    for row in _rows(root, "answers"):
        qid, scale, code = row.get("qid", ""), _int(row.get("scale_id")), row.get("code", "")
        answer = answers.get((qid, scale, code))
        if answer is None:
            answer = answers[(qid, scale, code)] = Answer(
                code=code.strip(), order=_int(row.get("sortorder")), scale=scale
            )
            if qid in questions:
                questions[qid].answers.append(answer)
        by_aid[row.get("aid", "")] = answer
        _put(answer.text, row, "answer")
    for row in _rows(root, "answer_l10ns"):
        if (answer := by_aid.get(row.get("aid", ""))) is not None:
            _put(answer.text, row, "answer")
    for question in questions.values():
        question.answers.sort(key=lambda a: a.order)

    for row in _rows(root, "question_attributes"):
        question = questions.get(row.get("qid", ""))
        if question is None:
            continue
        name, value = row.get("attribute", "").strip(), row.get("value", "").strip()
        language = row.get("language", "").strip()
        if language:
            question.localized.setdefault(name, {})[language] = plain_text(value)
        else:
            question.attributes[name] = value

    for question in sorted(questions.values(), key=lambda q: (q.order, _int(q.qid))):
        if question.parent == "0" and question.gid in groups:
            groups[question.gid].questions.append(question)
    survey.groups = sorted(groups.values(), key=lambda g: (g.order, _int(g.gid)))
    return survey
