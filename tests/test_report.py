"""The knowledge summary, section by section, against a room with known input (tests/report_rooms.py).

One real export (notebook executed by nbclient, rendered by nbconvert) is checked as a document;
the options (hidden cards, organiser's resumé) are checked on the sections directly, without a kernel.
"""

from __future__ import annotations

import re

import pytest
from bleach._vendor import html5lib  # the WHATWG parser nbconvert already depends on (via bleach)
from helpers import parse_html, section_text
from report_rooms import (
    ACTION,
    BARRIER,
    COMMITMENT,
    FACILITATOR_NAME,
    HIDDEN_CARD,
    HOSTILE,
    HOSTILE_CLUSTER,
    INSIGHT,
    NAMED,
    QUESTION_CARD,
    SECRET_NAME,
    build_m1,
    build_m2,
    build_m3,
)

from bifrost_lab import aggregation as agg
from bifrost_lab import store
from bifrost_lab.markup import esc
from bifrost_lab.reports import summary as report
from bifrost_lab.reports.export import export_room_html


@pytest.fixture(scope="module")
def db(tmp_path_factory, library):
    url = f"sqlite:///{tmp_path_factory.mktemp('report') / 'db.sqlite'}"
    engine = store.connect(url)
    yield url, {"m1": build_m1(engine, library), "m2": build_m2(engine, library), "m3": build_m3(engine, library)}
    store.dispose_all()


@pytest.fixture(scope="module")
def exported(db):
    url, known = db
    html = export_room_html(known["m1"].room.id, db_url=url)
    return html, parse_html(html)


def data_of(db, key, **options):
    url, known = db
    return report.load_summary_data(known[key].room.id, url, "da", report.ReportOptions(**options))


def test_every_part_d_section_is_there_in_order(exported):
    html, _doc = exported
    wanted = [
        "Resumé",
        "Baggrund og formål",
        "Metode og proces",
        "Deltagere",
        "Vidensgrundlag og oplæg",
        "Resultater – Indsigter og perspektiver",
        "Prioriteringer",
        "Implementeringsperspektiv",
        "Uenigheder, åbne spørgsmål og videnshuller",
        "Næste skridt",
        "Kreditering",
        "Litteratur",
        "Bilag: alle kort",
        "Om dette dokument",
    ]
    headings = re.findall(r"<h2>([^<]+)</h2>", html)
    assert headings == wanted
    assert "<h1>Fælles afsæt</h1>" in html and "Vidensopsamling" in html


def test_readers_see_no_ids_hashes_or_team_remarks(exported, db):
    """Issue 20: card ids, the agenda hash and the room id are only in the colophon; design remarks nowhere."""
    html, _doc = exported
    _url, known = db
    room = known["m1"].room
    body, colophon = html[: html.index('id="kolofon"')], html[html.index('id="kolofon"') :]
    assert not re.findall(r"\b(?:BIF|TTA|SMV|MTH|KB)-\d", html)
    assert room.content_hash[:8] not in body and room.content_hash[:8] in colophon
    assert f">{room.id}<" not in body and f">{room.id}<" in colophon
    assert "vores forslag" not in html and "dagsorden " not in body
    assert "Kilde: " in body and "Proveniens" not in html and "S003" not in html
    # plain words, not "kort, 1" or "barriere, 3"
    assert not re.search(r"(?:kort|barriere|handling), \d", html)


def test_sections_without_content_are_left_out(tmp_path, library):
    from bifrost_lab import rooms

    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    room = rooms.open_room(store.connect(url), library, "bifrost", "bif-m1")
    data = report.load_summary_data(room.id, url, "da")
    html = "".join(section(data) for section in report.SECTIONS)
    headings = re.findall(r"<h2>([^<]+)</h2>", html)
    assert headings == [
        "Resumé",
        "Baggrund og formål",
        "Metode og proces",
        "Deltagere",  # no evidence yet: the welcome's cards are off the projector until the moderator shows them
        "Næste skridt",
        "Kreditering",
        "Om dette dokument",
    ]
    assert "ikke kørt" not in html and html.count("endnu ikke") >= 7  # steps ahead of an open meeting
    store.dispose_all()


def test_an_interim_summary_says_so_on_its_cover_and_a_finished_one_does_not(tmp_path, library, db):
    from bifrost_lab import rooms

    url = f"sqlite:///{tmp_path / 'interim.sqlite'}"
    engine = store.connect(url)
    room = rooms.open_room(engine, library, "bifrost", "bif-m1")
    store.set_step(engine, room.id, 3)
    cover = report.section_cover(report.load_summary_data(room.id, url, "da"))
    assert "Foreløbig opsamling" in cover and "trin 4 af 8, «Pause»" in cover
    store.dispose_all()
    assert "Foreløbig" not in report.section_cover(data_of(db, "m1"))  # at the last step: finished


def test_the_organisers_preface_is_on_the_cover_as_text(db):
    data = data_of(db, "m1", preface="Kære alle,\ntak for i dag.\n\n<b>Andet</b> afsnit")
    cover = report.section_cover(data)
    assert (
        '<div class="bf-preface"><p>Kære alle,<br>tak for i dag.</p><p>&lt;b&gt;Andet&lt;/b&gt; afsnit</p></div>'
        in cover
    )
    assert "bf-preface" not in report.section_cover(data_of(db, "m1"))


def test_cover_and_participants_count_people_and_name_only_those_who_consented(exported):
    html, doc = exported
    assert re.search(r"<dt>Deltagere</dt><dd>11</dd>", html)  # the facilitator is not counted
    assert FACILITATOR_NAME in html  # consented, shown as facilitator on the cover
    people = section_text(doc, "deltagere")
    assert "11 deltagere" in people
    assert re.search(r"Arbejdsmiljørådgiver / konsulent</td><td>4</td>", html)
    assert re.search(r"Ejerleder / direktør / leder i SMV</td><td>3</td>", html)
    credits = section_text(doc, "kreditering")
    assert NAMED in credits and "Tak til de 11 deltagere" in credits
    assert html.count(NAMED) == 1  # thanked by name once, not listed again under Participants
    assert SECRET_NAME not in html  # a name without consent appears nowhere


def test_resume_proposes_the_top_voted_and_rated_items(exported):
    _html, doc = exported
    resume = section_text(doc, "resume")
    # figures use whole blocks of three answers in the order they came: the 10th answer waits
    assert f"flest prikker fik «{BARRIER}» (9); «{INSIGHT}» (7); «{ACTION}» (6)" in resume
    assert "«Beredskab i dag» fik i gennemsnit 2,9 (1–5, 9 svar)" in resume
    assert "udvalgt automatisk" in resume


def test_background_gives_programme_purpose_areas_and_questions(exported, db):
    _html, doc = exported
    _url, known = db
    meeting = known["m1"].room.content["meeting"]
    background = section_text(doc, "baggrund")
    assert "Seks halvdags udviklingsmøder ledet af en trænet moderator" in background  # programme description
    assert meeting["goal"]["da"] in background
    assert "Brobyggende rådgiverkompetencer" in background and "Tilpassede implementeringsgreb" in background
    assert "vores forslag" not in background  # the programme's design note is for the team
    # each question is printed once, with its answers: a card step's in the appendix, a vote's under priorities
    html, _doc = exported
    for step in (meeting["steps"][2], meeting["steps"][6]):
        assert html.count(step["question"]["da"]) == 1


def test_resume_names_the_highest_rated_of_several_items(db):
    html = report.section_resume(data_of(db, "m2"))
    assert (
        "De tre kerneområder i jeres samarbejde: «2. Udvikle relationer internt og eksternt» fik den højeste "
        "vurdering, i gennemsnit 5,0 (1–5, 3 svar)."
    ) in html
    assert "«1. Linke" not in html


def test_method_shows_the_agenda_as_run_with_inputs_per_step(exported, db):
    html, doc = exported
    method = section_text(doc, "metode")
    assert "Velkomst og check-in" in method and "De vigtigste udfordringer" in method
    assert "vurdering 1–5" in method and "prikafstemning" in method
    # step s7 (dot vote): 10 voters, 10 rows; step s3: 7 cards from 7 people
    rows = dict(
        re.findall(
            r"<tr><td>[^<]*</td><td>([^<]+)<span[^>]*>[^<]*</span></td>(?:<td>[^<]*</td>){4}"
            r"<td>(\d+)</td></tr>",
            html,
        )
    )
    assert rows["De vigtigste udfordringer"] == "10" and rows["TTA i dag – fase for fase"] == "7"


def test_evidence_is_what_the_projector_showed_with_one_reference_per_source(exported, db):
    html, doc = exported
    _url, known = db
    cards = known["m1"].room.content["cards"]
    evidence, literature = section_text(doc, "vidensgrundlag"), section_text(doc, "litteratur")
    shown = ("BIF-01", "BIF-02", "MTH-02", "SMV-12", "TTA-02")  # s1 switched on, s2 and s6 by default, s7 one by one
    not_shown = ("BIF-07", "BIF-08", "TTA-04", "KB-12")  # still to be verified in s1; s3 and s5 off
    for card_id in shown:
        assert cards[card_id]["label"]["da"] in evidence, card_id
    for card_id in not_shown:
        assert cards[card_id]["label"]["da"] not in html, card_id
    # SMV-12 names three sources: each is cited on the card and listed once in the literature
    assert "Kilde: Aust et al. (2023); Martin & LaMontagne (2018); Tsantila et al. (2023), citeret i NECTO 2025 §3" in (
        evidence
    )
    items = re.findall(r"<li>(.*?)</li>", html[html.index('id="litteratur"') : html.index('id="bilag"')])
    assert "Aust et al. (2023). Citeret i NECTO 2025 §3." in items
    assert "Martin &amp; LaMontagne (2018). Citeret i NECTO 2025 §3." in items
    assert not any(";" in re.sub(r"&\w+;", "", item.split("(")[0]) for item in items)  # one author group per entry
    # the report the studies were read in is listed itself, and the project page once for all BIF cards
    assert "Hjorth &amp; Ladegaard (NECTO) (2025). <cite>Effektive indsatser" in html
    assert literature.count("TeamArbejdsliv ApS (u.å.)") == 1
    authors = [re.sub(r"<[^>]+>", "", item).split(" (")[0] for item in items]
    assert authors == sorted(authors, key=str.casefold) and len(items) > 10  # alphabetical by authors


def test_results_tables_come_from_the_facilitators_clusters(exported):
    html, doc = exported
    results_text = section_text(doc, "resultater")
    assert "Indsigter" in results_text and "Barrierer" in results_text and "Handlingsperspektiver" in results_text
    table = html[html.index('class="bf-table bf-ibh"') :]
    table = table[: table.index("</table>")]
    cells = re.findall(r"<td>(.*?)</td>", table)
    assert INSIGHT in cells[0] and BARRIER in cells[1] and ACTION in cells[2]
    assert "3 kort" in cells[1] and "2 kort" in cells[0]


def test_priorities_split_by_role_only_where_k_is_at_least_three(exported):
    html, doc = exported
    text = section_text(doc, "prioriteringer")
    # s1: 10 answers in the order advisers 4, managers 3, researchers 3: the first 9 are shown; the first
    # 3 advisers (1, 1, 2), the 3 managers (4, 5, 5) and the others (the 4th adviser, 2 researchers: 2, 3, 3)
    assert "Arbejdsmiljørådgiver / konsulent (n=3)" in text and "Forsker (n=3)" not in text
    assert re.search(r"Beredskab i dag</td><td>1,3</td><td>4,7</td><td>2,7</td>", html)
    # s7: the 4th adviser and two researchers are counted together (3); the representative's vote waits
    assert "Øvrige (n=3)" in text
    assert re.search(re.escape(BARRIER) + r"</td><td>3</td><td>3</td><td>3</td>", html)
    # s8: 4 advisers and 1 manager -> a rest of 1 could be worked out from the total: no split
    assert "Ikke opdelt på roller" in text
    assert "Forsker (n=2)" not in text and "(n=1)" not in text and "(n=2)" not in text
    assert html.count('role="img"') >= 3 and re.search(
        r"aria-label=[\"']Prikker pr. punkt: " + re.escape(BARRIER), html
    )


def test_ranking_and_placement_sections_compute_borda_and_quadrants(db):
    m2 = data_of(db, "m2")
    html = report.section_priorities(m2)
    # 3 rank item 0 first (6 points each), 3 rank it last (0): 18; item 1: 3*5 + 3*6 = 33
    assert re.search(r"<td>1</td><td><strong>[^<]+</strong></td><td>33</td>", html)
    assert re.search(r"<td>18</td>", html)
    # 3 advisers and 3 managers: split; item 0 has 18 points from advisers and none from managers
    assert "Fordelt på roller: Point" in html
    assert re.search(r"</td><td>18</td><td>0</td></tr>", html)
    m3 = data_of(db, "m3")
    html = report.section_priorities(m3)
    assert "Hurtige gevinster" in html and "Store satsninger" in html
    assert re.search(r"Fast kontaktaftale med lederen under fraværet</td><td>3</td><td>20</td><td>80</td>", html)
    assert "Ikke opdelt på roller" in html and "Effekt / indsats" not in html  # the 3 shown are advisers: no split


def test_implementation_disagreements_next_steps_and_appendix(exported):
    html, doc = exported
    implementation = section_text(doc, "implementering")
    assert "Implementeringsledelse" in implementation and BARRIER in implementation
    assert "barriere, et tema med 3 kort" in implementation
    assert "Omverden" not in implementation  # a factor without items is left out, not shown as "–"
    disagreements = section_text(doc, "uenigheder")
    assert "Velkomst og check-in: Beredskab i dag" in disagreements and QUESTION_CARD in disagreements
    assert "Ejerleder / direktør / leder i SMV 4,7" in disagreements
    nxt = section_text(doc, "naeste")
    assert "Vidensbrobygning som praksis" in nxt and COMMITMENT in nxt
    appendix = section_text(doc, "bilag")
    assert HIDDEN_CARD in appendix and "skjult på storskærmen" in appendix
    assert COMMITMENT not in appendix and html.count(COMMITMENT) == 1  # listed under Next steps only
    assert "anden rolle" in appendix  # the single employee representative is not named by role
    assert "Medarbejderrepræsentant" not in appendix


def test_hidden_cards_can_be_left_out_everywhere(db):
    data = data_of(db, "m1", hidden_cards="omit")
    html = "".join(section(data) for section in report.SECTIONS)
    assert HIDDEN_CARD not in html and "skjult på storskærmen" not in html
    marked = "".join(section(data_of(db, "m1")) for section in report.SECTIONS)
    assert HIDDEN_CARD in marked


def test_organiser_points_replace_the_proposed_resume(db):
    data = data_of(db, "m1", summary_points=("Første pointe <b>fed</b>", "Anden pointe"))
    html = report.section_resume(data)
    assert "Første pointe &lt;b&gt;fed&lt;/b&gt;" in html and "Anden pointe" in html
    assert "flest prikker" not in html and "udvalgt automatisk" not in html


def test_hostile_text_is_data_in_every_section_and_the_chart(exported):
    html, doc = exported
    assert HOSTILE in "".join(doc.text)
    assert HOSTILE_CLUSTER in "".join(doc.text)
    assert not any(tag == "img" for tag, _ in doc.tags)
    assert not any(tag == "b" for tag, _ in doc.tags)
    assert not any(name.startswith("on") for _tag, attrs in doc.tags for name in attrs)
    assert not any(tag in ("script", "iframe", "object", "embed", "link") for tag, _ in doc.tags)


def test_document_is_valid_html5_offline_and_code_free(exported):
    html, doc = exported
    html5lib.HTMLParser(strict=True).parse(html)  # raises ParseError on the first error
    assert html.startswith("<!DOCTYPE html>") and '<html lang="da">' in html[:400]
    for tag, attrs in doc.tags:
        for name in ("src", "href", "action", "poster", "srcset"):
            assert not str(attrs.get(name) or "").startswith(("http:", "https:", "//")), (tag, attrs)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", html) and "@import" not in html
    assert "In [" not in html and "jp-InputArea" not in html and "render_summary" not in html
    assert "@page" in html and "counter(page)" in html  # page numbers when printed
    assert '@page { @top-left { content: "Vidensopsamling – Fælles afsæt"; } }' in html  # the running title
    assert [s.strip() for s in re.findall(r"([^{}]+)\{\s*break-before: page", html)] == ["#bilag"]  # only the appendix


def test_the_running_title_cannot_end_the_style_element():
    from bifrost_lab.reports.export import css_string

    assert css_string('A "b" \\ </style><script>') == "A \\22 b\\22  \\5c  \\3c /style\\3e \\3c script\\3e "


def test_k_rule_splits_only_into_groups_that_subtraction_cannot_undo():
    def answers(roles):
        return [agg.Answer(f"p{n}", role, {}, float(n)) for n, role in enumerate(roles)]

    assert {r for r, _m in agg.role_split(answers(["A"] * 3 + ["B"] * 3))} == {"A", "B"}
    # C alone waits: the 7th answer is in no figure, so total minus A and B says nothing about C
    split = agg.role_split(answers(["A"] * 3 + ["B"] * 3 + ["C"]))
    assert {r for r, _m in split} == {"A", "B"} and sum(len(m) for _r, m in split) == 6
    assert {r for r, _m in agg.role_split(answers(["A"] * 3 + ["B"] * 3 + ["C", "D", "E"]))} == {"A", "B", agg.OTHERS}
    assert agg.role_split(answers(["A"] * 2 + ["B"] * 2)) == []


def test_many_role_groups_become_rows_so_the_split_fits_the_page(db):
    m1 = data_of(db, "m1")
    roles = ["OHS_ADVISER", "SME_MANAGER", "RESEARCHER", "EMPLOYEE_REP"]
    people = tuple(
        store.Participant(f"p{r}{n}", m1.room.id, role, None, False, None, 0.0, 0.0, 1)
        for r, role in enumerate(roles)
        for n in range(3)
    )
    rows = [
        store.Input(
            f"i{p.id}",
            m1.room.id,
            "bif-m1-s1",
            p.id,
            "rating",
            {"ratings": {"0": 1 + n % 5}},
            False,
            False,
            n,
            0.0,
            0.0,
            1,
        )
        for n, p in enumerate(people)
    ]
    data = report.SummaryData(m1.room, people, tuple(rows), (), "da")
    html = report.section_priorities(data)
    assert "bf-split-wide" in html and '<ol class="bf-legend"><li>Beredskab i dag</li></ol>' in html
    assert re.search(r"<td>Arbejdsmiljørådgiver / konsulent \(n=3\)</td><td>2,0</td>", html)


def test_factor_classification_and_borda_are_plain_rules():
    assert report.classify_factor("Lederen prioriterer det ikke") == "implementeringsledelse"
    assert report.classify_factor("Rådgiveren mangler værktøjer") == "arbejdsmiljoekompetence"
    assert report.classify_factor("Deadlines i branchen") == "fit"
    assert report.classify_factor("Jobcentret svarer ikke") == "omverden"
    assert report.classify_factor("Noget helt andet") is None
    rows = [agg.Answer(f"p{n}", None, {"order": ["item:1", "item:0", "item:2"]}, n) for n in range(3)]
    order = ["item:0", "item:1", "item:2"]
    assert [(s.target, s.value) for s in agg.borda(rows, order)] == [("item:1", 6), ("item:0", 3), ("item:2", 0)]


def test_every_input_type_of_the_showcase_meeting_renders_as_valid_html(tmp_path, library):
    from bifrost_lab import demo

    url = f"sqlite:///{tmp_path / 'showcase.sqlite'}"
    engine = store.connect(url)
    room = demo.open_showcase_room(engine, library)
    demo.fill_room(engine, room, participants=14, inputs=30, seed=3)
    data = report.load_summary_data(room.id, url, "da")
    body = "".join(section(data) for section in report.SECTIONS)
    html5lib.HTMLParser(strict=True).parse(
        f'<!DOCTYPE html><html lang="da"><head><title>x</title></head><body>{body}</body></html>'
    )
    kinds = {i.kind for i in data.inputs}
    assert {"vote", "rating", "rank", "placement", "choice"} <= kinds
    priorities = report.section_priorities(data)
    for marker in ("Prikafstemning", "Borda", "Gennemsnitlig placering", "Svarmulighed", "Vurdering 1 ="):
        assert marker in priorities
    store.dispose_all()


def test_the_cover_writes_dates_the_way_the_room_s_language_does(db):
    import calendar
    import time

    url, known = db
    room = known["m1"].room
    month = time.localtime(room.created_at).tm_mon
    covers = {
        language: report.section_cover(report.load_summary_data(room.id, url, language, report.ReportOptions()))
        for language in ("da", "en", "fi")
    }
    assert re.search(r"<dd>\d{1,2}\. [a-zæøå]+ \d{4}</dd>", covers["da"])  # 25. november 2026
    assert f"<dd>{calendar.month_name[month]} " in covers["en"]  # November 25, 2026
    assert re.search(r"<dd>\d{1,2}\. [a-zäö]+kuuta \d{4}</dd>", covers["fi"])  # 25. marraskuuta 2026
    assert not any(re.search(r"\d{2}\.\d{2}\.\d{4}", cover) for cover in covers.values())


def test_every_shown_evidence_card_is_marked_exactly_as_its_verify_flag_says(library, sqlite_engine):
    """Issue 15 §3: the summary prints «Skal verificeres» on the cards whose source check is pending, and only there."""
    from bifrost_lab import rooms as room_rules

    checked = 0
    for programme in library.programmes.values():
        for meeting in programme.meetings:
            room = room_rules.open_room(sqlite_engine, library, programme.id, meeting.id)
            for step in room_rules.steps(room):  # every card on the projector, also those still to be verified
                store.set_step_state(sqlite_engine, room.id, step["id"], evidence="grid", show_unverified=True)
            data = report.load_summary_data(room.id, db_url=sqlite_engine.url, language="da")
            html = report.section_evidence(data)
            cards = data.room.content.get("cards", {})
            for card_id in report.shown_card_ids(data):
                article = html[html.index(f"<h3>{esc(cards[card_id]['label']['da'])}</h3>") :]
                article = article[: article.index("</article>")]
                assert ("Skal verificeres" in article) == bool(cards[card_id].get("verify")), card_id
                checked += 1
    assert checked > 20


def test_cards_still_to_be_verified_are_left_out_unless_the_room_saw_them(db):
    data = data_of(db, "m1")
    shown = report.shown_card_ids(data)
    assert "TTA-02" in shown  # s2: the moderator showed it to the room
    assert "BIF-07" not in shown and "BIF-01" in shown  # s1: switched on, its unverified cards stayed off
