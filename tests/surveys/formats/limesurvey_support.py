"""Small LimeSurvey structure files (.lss) written for the tests, in the layout LimeSurvey 6
exports (texts in the *_l10ns tables) or LimeSurvey 3 (one row per language, texts inline).

    lss([group({"ru": "Общие"}, [question("Q1", "L", {"ru": "Пол?"}, answers=[...])])])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from io import BytesIO
from itertools import count
from xml.sax.saxutils import escape


@dataclass
class Q:
    title: str
    type: str
    text: dict[str, str]
    mandatory: str = "Y"
    other: str = "N"
    relevance: str = "1"
    help: dict[str, str] = field(default_factory=dict)
    answers: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    subquestions: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    attributes: dict[str, str] = field(default_factory=dict)
    localized: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass
class G:
    name: dict[str, str]
    questions: list[Q]
    relevance: str = "1"
    description: dict[str, str] = field(default_factory=dict)


def question(title: str, type_: str, text: dict[str, str] | str, **kwargs) -> Q:
    if isinstance(text, str):
        text = {"ru": text}
    return Q(title, type_, text, **kwargs)


def group(name: dict[str, str] | str, questions: list[Q], **kwargs) -> G:
    if isinstance(name, str):
        name = {"ru": name}
    return G(name, questions, **kwargs)


def _row(**cells: object) -> str:
    inner = "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in cells.items())
    return f"   <row>{inner}</row>\n"


def _table(name: str, rows: list[str]) -> str:
    return f" <{name}>\n  <rows>\n{''.join(rows)}  </rows>\n </{name}>\n"


def lss(
    groups: list[G],
    *,
    languages: tuple[str, ...] = ("ru",),
    title: dict[str, str] | None = None,
    version: int = 6,
) -> bytes:
    title = title or {lang: f"Опрос {lang}" for lang in languages}
    ids = count(10)
    sid = 123456
    t: dict[str, list[str]] = {k: [] for k in (
        "groups", "group_l10ns", "questions", "subquestions", "question_l10ns", "answers",
        "answer_l10ns", "question_attributes", "surveys_languagesettings",
    )}  # fmt: skip
    old = version < 4
    for g_order, g in enumerate(groups):
        gid = next(ids)
        if old:
            for lang in languages:
                t["groups"].append(_row(
                    gid=gid, sid=sid, group_name=g.name.get(lang, ""), group_order=g_order,
                    description=g.description.get(lang, ""), language=lang, grelevance=g.relevance,
                ))  # fmt: skip
        else:
            t["groups"].append(_row(gid=gid, sid=sid, group_order=g_order, grelevance=g.relevance))
            for lang in languages:
                t["group_l10ns"].append(_row(
                    id=next(ids), gid=gid, group_name=g.name.get(lang, ""),
                    description=g.description.get(lang, ""), language=lang,
                ))  # fmt: skip
        for q_order, q in enumerate(g.questions):
            qid = next(ids)
            base = dict(qid=qid, parent_qid=0, sid=sid, gid=gid, type=q.type, title=q.title,
                        other=q.other, mandatory=q.mandatory, question_order=q_order,
                        scale_id=0, relevance=q.relevance)  # fmt: skip
            _item(t, "questions", base, q.text, q.help, languages, old, ids)
            for s_order, (code, text) in enumerate(q.subquestions):
                sub = dict(qid=next(ids), parent_qid=qid, sid=sid, gid=gid, type="T", title=code,
                           question_order=s_order, scale_id=0, relevance="1")  # fmt: skip
                _item(t, "subquestions", sub, text, {}, languages, old, ids)
            for a_order, (code, text) in enumerate(q.answers):
                if old:
                    for lang in languages:
                        t["answers"].append(_row(
                            qid=qid, code=code, answer=text.get(lang, ""), sortorder=a_order,
                            language=lang, scale_id=0,
                        ))  # fmt: skip
                else:
                    aid = next(ids)
                    t["answers"].append(_row(aid=aid, qid=qid, code=code, sortorder=a_order,
                                             assessment_value=0, scale_id=0))  # fmt: skip
                    for lang in languages:
                        t["answer_l10ns"].append(
                            _row(id=next(ids), aid=aid, answer=text.get(lang, ""), language=lang)
                        )
            for name, value in q.attributes.items():
                t["question_attributes"].append(_row(qid=qid, attribute=name, value=value))
            for name, values in q.localized.items():
                for lang, value in values.items():
                    t["question_attributes"].append(
                        _row(qid=qid, attribute=name, value=value, language=lang)
                    )
    for lang in languages:
        t["surveys_languagesettings"].append(_row(
            surveyls_survey_id=sid, surveyls_language=lang, surveyls_title=title.get(lang, ""),
            surveyls_description="", surveyls_welcometext="",
        ))  # fmt: skip
    survey = _row(sid=sid, language=languages[0], additional_languages=" ".join(languages[1:]))
    body = "".join(_table(name, rows) for name, rows in t.items() if rows or name == "groups")
    langs = "".join(f"  <language>{escape(lang)}</language>\n" for lang in languages)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<document>\n'
        " <LimeSurveyDocType>Survey</LimeSurveyDocType>\n"
        f" <DBVersion>{366 if old else 498}</DBVersion>\n"
        f" <languages>\n{langs} </languages>\n{body}{_table('surveys', [survey])}</document>\n"
    ).encode()


def _item(t, table, base, text, help_, languages, old, ids) -> None:
    if old:
        for lang in languages:
            t[table].append(
                _row(**base, question=text.get(lang, ""), help=help_.get(lang, ""), language=lang)
            )
        return
    t[table].append(_row(**base))
    for lang in languages:
        if lang in text or lang in help_:
            t["question_l10ns"].append(_row(
                id=next(ids), qid=base["qid"], question=text.get(lang, ""),
                help=help_.get(lang, ""), language=lang,
            ))  # fmt: skip


def lss_file(content: bytes, name: str = "survey.lss") -> BytesIO:
    handle = BytesIO(content)
    handle.name = name
    return handle
