"""Word cloud (`words`): each participant gives one to three short answers of at most three words each.

Words are counted after normalising them for the room's language (Danish, Finnish or English): case and
surrounding punctuation go, inflected forms meet in their Snowball stem, and small words (stop words) are
left out. The cloud shows each stem in its most common written form, sized by how many people used it.

One module holds everything of this input type: validation (`parse`), the phone widget, the projector
view, the figures (through bifrost_lab.aggregation), the summary section, the raw-data answer and the
demo answer; `INPUT` registers it in bifrost_lab/inputs/registry.py.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from bifrost_lab import aggregation as agg
from bifrost_lab import i18n, rooms, store
from bifrost_lab.i18n import N_
from bifrost_lab.inputs.base import InputContext, InputType, Save, Section
from bifrost_lab.markup import esc, tag
from bifrost_lab.reports import blocks
from bifrost_lab.reports import charts as report_charts

if TYPE_CHECKING:
    from bifrost_lab.reports.summary import SummaryData

MAX_ANSWERS = 3
MAX_WORDS = 3  # per answer
MAX_CHARS = 40  # per answer
CLOUD_WORDS = 60  # the most frequent words a cloud draws (the projector keeps at least 40 when space is short)
MSG_ANSWERS = N_("Give at most {limit} answers.")
MSG_WORDS = N_("«{answer}» has {count} words; use at most {limit} per answer.")

STEMMERS = {"da": "danish", "en": "english", "fi": "finnish"}
# Small words that say nothing in a cloud; short on purpose (a word people chose on purpose should count).
STOP_WORDS = {
    "da": frozenset(
        "ad af alle alt anden at bare blev blive bliver da de dem den denne der deres det dette dig din dine disse "
        "dog du efter eller en end er et for fordi fra ham han hans har havde have hele helt hen hende hendes her "
        "hos hun hvad hvis hvor i ikke ind jeg jer jo kan kun kunne lidt man mange med meget men mere mig min mine "
        "mit mod må ned noget nogle nok nu når og også om op os over på rigtig sig sin sine sit skal skulle som "
        "så sådan til ud under var vi vil ville vor være været".split()
    ),
    "en": frozenset(
        "a about after all also am an and any are as at be been being but by can could did do does for from had "
        "has have he her here his how i if in into is it its just me more much my no not of on or our out quite "
        "really she so some than that the their them then there these they this those to too up very was we were "
        "what when where which who why will with would you your".split()
    ),
    "fi": frozenset(
        "ei eikä emme en et että he hyvin hän ja jo joka jos jotka kaikki kuin kun me minä minun mitä mikä mutta "
        "myös ne niin nyt oli olla olen ole on ovat paljon se sekä sen siis sinä sitä te todella tai tämä tässä "
        "vaan vain vähän".split()
    ),
}
DEMO_WORDS = (
    "travlt",
    "spændt",
    "nysgerrig",
    "forventningsfuld",
    "træt",
    "tillid",
    "samarbejde",
    "stress",
    "nysgerrighed",
    "tid",
    "usikker",
    "motiveret",
    "klar",
    "ro",
    "fællesskab",
)


def _edge(ch: str) -> bool:
    """Punctuation and symbols that may surround a word («…», "…", (…), !, ?)."""
    return unicodedata.category(ch)[0] in "PS"


_local = threading.local()  # a Snowball stemmer keeps state while it works: one per thread


def _stemmer(language: str) -> Any:
    stemmers = _local.__dict__.setdefault("stemmers", {})
    if language not in stemmers:
        import snowballstemmer  # ~20 ms, paid when a cloud is first counted, never when a phone just answers

        stemmers[language] = snowballstemmer.stemmer(STEMMERS.get(language, "danish"))
    return stemmers[language]


@lru_cache(maxsize=4096)
def _stem(word: str, language: str) -> str:
    return _stemmer(language).stemWord(word)


def tokens(text: str, language: str) -> Iterator[tuple[str, str]]:
    """(stem, written form) of each word of an answer that counts: lower case, no surrounding punctuation, no stop word."""
    language = language if language in STEMMERS else "da"
    for raw in unicodedata.normalize("NFC", text).split():
        start, end = 0, len(raw)
        while start < end and _edge(raw[start]):
            start += 1
        while end > start and _edge(raw[end - 1]):
            end -= 1
        word = raw[start:end].lower()
        if word and word not in STOP_WORDS[language] and any(ch.isalnum() for ch in word):
            yield _stem(word, language), word


def counts(answers: Sequence[agg.Answer]) -> list[agg.WordCount]:
    """The room's words, most used first (through the aggregation rule: whole blocks of k)."""
    return agg.word_counts(answers, tokens)


def parse(engine: store.Database, room: store.Room, spec: dict[str, Any], value: Any) -> dict[str, Any]:
    """One to `max_answers` short answers (a list of texts), each of at most MAX_WORDS words; blanks are skipped."""
    limit = int(spec.get("max_answers") or MAX_ANSWERS)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise rooms.Rejected(rooms.MSG_EMPTY)
    answers: list[str] = []
    for raw in value:
        if raw is not None and not isinstance(raw, str):
            raise rooms.Rejected(rooms.MSG_EMPTY)
        text = rooms.clean_text(raw, MAX_CHARS, required=False)
        text = " ".join(text.split())
        if not text:
            continue
        count = len(text.split())
        if count > MAX_WORDS:
            raise rooms.Rejected(MSG_WORDS, answer=text, count=count, limit=MAX_WORDS)
        if text.casefold() not in (a.casefold() for a in answers):
            answers.append(text)
    if not answers:
        raise rooms.Rejected(rooms.MSG_EMPTY)
    if len(answers) > limit:
        raise rooms.Rejected(MSG_ANSWERS, limit=limit)
    return {"words": answers, "language": room.language}


class WordsSection(Section):
    css = "bf-words"

    def __init__(self, spec: dict, current: dict | None, _: Callable[[str], str], save: Save, **kwargs: Any) -> None:
        super().__init__(_, save, **kwargs)
        self.on_behalf = not self.autosave
        self.autosave = False  # words are sent with the button: half-typed words are nobody's answer
        limit = int(spec.get("max_answers") or MAX_ANSWERS)
        given = [t for t in ((current or {}).get("words") or []) if isinstance(t, str)][:limit]
        self.fields = []
        for n in range(limit):
            field = w.Text(
                value=given[n] if n < len(given) else "",
                placeholder=_("A word or two"),
                description=_("Answer {n}").format(n=n + 1),
                style={"description_width": "0px"},
                disabled=self.locked,
                layout=w.Layout(width="100%"),
            ).add_class("bf-words-field")  # the description labels the field for screen readers (CSS hides it)
            self.fields.append(field)
        hint = (
            _("One word, or up to three.")
            if limit == 1
            else _("Up to {limit} answers of one to three words each.").format(limit=limit)
        )
        self.finish(
            [w.HTML(tag("div", esc(hint), cls="bf-hint")), *self.fields],
            _("Add these words for the room") if self.on_behalf else _("Send my words"),
        )
        if given and not self.on_behalf:
            self.saved(_("Your words are saved. You can change them until the step closes."))

    def commit(self) -> bool:
        ok = self.save(self.value())
        if ok and not self.on_behalf:
            self.saved(self._("Your words are saved. You can change them until the step closes."))
        return ok

    def value(self) -> list[str]:
        return [f.value for f in self.fields if f.value.strip()]


def widget(ctx: InputContext, current: dict | None, save: Save, **options: Any) -> Section:
    return WordsSection(ctx.spec, current, ctx.gettext, save, **options)


def _alt(found: Sequence[agg.WordCount], _: Callable[[str], str]) -> str:
    return _("Words and how many people used them: ") + "; ".join(f"{c.word}: {c.count}" for c in found)


def projector(ctx: InputContext) -> Callable[[Sequence[agg.Answer]], str]:
    _ = ctx.gettext

    def chart(answers: Sequence[agg.Answer]) -> str:
        found = counts(answers)[:CLOUD_WORDS]
        if not found:
            return tag("div", esc(_("No words to show yet.")), cls="bf-results-empty")
        svg = report_charts.cloud_svg(
            [(c.word, c.count) for c in found],
            alt=_alt(found, _),
            width=1800,
            height=500,  # wide and low: the chart sits under the question and the join code
            min_size=30,
            max_size=120,
            keep=40,
            cls="bf-cloud-svg",
        )
        return tag("div", svg, cls="bf-cloud")

    return chart


def summary(data: SummaryData, step: dict[str, Any], spec: dict[str, Any], answers: list[agg.Answer]) -> str:
    _ = i18n.gettext_for(data.language)
    found = counts(answers)
    if not found:
        return blocks._note(_("No words were counted (at least {k} answers are needed).").format(k=agg.K_MIN))
    shown = found[:CLOUD_WORDS]
    chart = report_charts.word_cloud(
        [(c.word, c.count) for c in shown],
        alt=_alt(shown, _),
        caption=_("Word cloud, {n} participants: the larger the word, the more people used it.").format(
            n=agg.respondents(answers)
        ),
    )
    listed = tag(
        "p",
        esc(_("Most used: ") + "; ".join(f"{c.word} ({c.count})" for c in found[:20])),
        cls="bf-words-list",
    )
    labels = [(c.stem, c.word) for c in found[: blocks.SPLIT_MAX_ITEMS]]
    split = blocks._split_table(
        data, answers, _("People who used the word"), lambda g: {c.stem: c.count for c in counts(g)}, labels, 0
    )
    return chart + listed + split


def raw_answer(payload: dict[str, Any]) -> str:
    given = payload.get("words") or []
    return "; ".join(str(t) for t in given) if isinstance(given, list) else ""


def demo_answer(rng: Any, spec: dict[str, Any], targets: Sequence[str]) -> Any:
    limit = int(spec.get("max_answers") or MAX_ANSWERS)
    weighted = [word for n, word in enumerate(DEMO_WORDS) for _copy in range(max(1, 4 - n // 4))]
    chosen: list[str] = []
    wanted = rng.randint(1, limit)
    while len(chosen) < wanted:
        word = rng.choice(weighted)
        if word not in chosen:
            chosen.append(word)
    return chosen


INPUT = InputType(
    name="words",
    kind="words",
    label=N_("word cloud"),
    parse=parse,
    widget=widget,
    projector=projector,
    summary=summary,
    raw_answer=raw_answer,
    demo_answer=demo_answer,
    split_on_projector=False,  # one cloud per role would not fit; the summary splits the leading words
)

save = INPUT.save  # words.save(engine, room, participant, step_id, value): the short name callers use
