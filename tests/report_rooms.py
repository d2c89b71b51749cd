"""Rooms with known input for the summary, raw-data and synthesis tests (through the real room functions)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from bifrost_lab import rooms, store
from bifrost_lab.inputs import dot_vote, matrix_2x2, ranking, rating

HOSTILE = '<img src=x onerror="window.__pwned=1">'
HOSTILE_CLUSTER = '<b onmouseover="x()">Klynge</b> & co'
SECRET_NAME = "Hemmelig Hansen"
NAMED = "Mette Rådgiver"
FACILITATOR_NAME = "Fie Facilitator"
HIDDEN_CARD = "Kortet der blev skjult på skærmen"
QUESTION_CARD = "Hvem har ansvaret for opfølgningen?"
COMMITMENT = "Jeg vil afprøve en fast kontaktaftale med lederen"
BARRIER = "Ledere opdager problemer for sent"
INSIGHT = "Uformel tidlig dialog virker"
ACTION = "Fast kontaktaftale under fravær"
FORMULA = '=HYPERLINK("http://example.invalid","klik")'


@dataclass
class KnownRoom:
    room: store.Room
    people: dict[str, list[store.Participant]] = field(default_factory=dict)
    cards: dict[str, store.Input] = field(default_factory=dict)
    clusters: dict[str, store.Cluster] = field(default_factory=dict)


def _card(engine, room, person, step_id, text, column=None):
    return rooms.submit_card(engine, room, person, step_id, text, column=column, input_id=str(uuid.uuid4()))


def _join(engine, room, role, count, names=()):
    people = []
    for index in range(count):
        name, consent = names[index] if index < len(names) else ("", False)
        people.append(rooms.join_room(engine, room, role=role, display_name=name, name_consent=consent)[0])
    return people


def _run_all_steps(engine, room):
    for index in range(1, len(rooms.steps(room))):
        store.set_step(engine, room.id, index)


def build_m1(engine, library) -> KnownRoom:
    """bif-m1: ratings with a safe role split and a divergence, clusters, a dot vote, commitments.

    Advisers 4, managers 3, researchers 3, one employee representative, one facilitator.
    s1 rating (employee rep does not answer): advisers 1,1,2,2; managers 4,5,5; researchers 3,3,3 → mean 2.9.
    s7 dots: barrier 10, insight 7, action 6, hostile cluster 3 (groups: advisers 4, managers 3, rest 3).
    s8 rating: 4 advisers + 1 manager → the rest (1) is too small → no split.
    """
    room = rooms.open_room(engine, library, "bifrost", "bif-m1")
    known = KnownRoom(room)
    p = known.people
    p["adv"] = _join(engine, room, "OHS_ADVISER", 4, [(NAMED, True)])
    p["sme"] = _join(engine, room, "SME_MANAGER", 3, [(SECRET_NAME, False)])
    p["res"] = _join(engine, room, "RESEARCHER", 3)
    p["rep"] = _join(engine, room, "EMPLOYEE_REP", 1)
    p["fac"] = _join(engine, room, "FACILITATOR", 1, [(FACILITATOR_NAME, True)])
    s3, s5 = "bif-m1-s3", "bif-m1-s5"
    c = known.cards
    c["late1"] = _card(engine, room, p["adv"][0], s3, "Lederen opdager først problemerne ved sygemeldingen", 0)
    c["late2"] = _card(engine, room, p["sme"][1], s3, "Ledere ser tegnene for sent", 0)
    c["late3"] = _card(engine, room, p["adv"][1], s3, "Ingen opdager de tidlige tegn", 0)
    c["dialog1"] = _card(engine, room, p["adv"][2], s3, "Uformel dialog tidligt virker bedst", 2)
    c["dialog2"] = _card(engine, room, p["res"][0], s3, "Tidlig kaffesnak frem for formelle møder", 2)
    c["contact"] = _card(engine, room, p["sme"][2], s3, "Aftal kontakt under fraværet", 2)
    c["hostile"] = _card(engine, room, p["res"][1], s3, HOSTILE, 1)
    c["question"] = _card(engine, room, p["rep"][0], s5, QUESTION_CARD, 1)
    c["hidden"] = _card(engine, room, p["res"][2], s5, HIDDEN_CARD, 0)
    c["formula"] = _card(engine, room, p["adv"][3], s5, FORMULA, 0)
    rooms.hide_input(engine, c["hidden"].id)
    cl = known.clusters
    for key, label, members, category in (
        ("barrier", BARRIER, ["late1", "late2", "late3"], "barrier"),
        ("insight", INSIGHT, ["dialog1", "dialog2"], "insight"),
        ("action", ACTION, ["contact"], "action"),
        ("hostile", HOSTILE_CLUSTER, ["hostile"], None),
    ):
        cluster, _undo = rooms.create_cluster(engine, room, "bif-m1-s6", label, input_ids=[c[m].id for m in members])
        if category:
            store.update_cluster(engine, cluster.id, category=category)
        cl[key] = cluster
    _run_all_steps(engine, room)
    # The projector: evidence is on by default in s2 (talk) and s6 (plenary), which collect nothing; the moderator
    # showed s2's card still to be verified (TTA-02), switched evidence on in s1 (its BIF-07 and BIF-08 are still
    # to be verified and stay off) and s7 (SMV-12: three sources in one citation); s3 and s5 stay off.
    store.set_step_state(engine, room.id, "bif-m1-s2", show_unverified=True)
    store.set_step_state(engine, room.id, "bif-m1-s1", evidence="grid")
    store.set_step_state(engine, room.id, "bif-m1-s7", evidence="one")
    for person, value in zip(p["adv"] + p["sme"] + p["res"], (1, 1, 2, 2, 4, 5, 5, 3, 3, 3)):
        rating.save(engine, room, person, "bif-m1-s1", {"0": value})
    rating.save(engine, room, p["fac"][0], "bif-m1-s1", {"0": 5})  # stored, but never counted in results
    t = {k: f"cluster:{v.id}" for k, v in cl.items()}
    for person in p["adv"]:
        dot_vote.save(engine, room, person, "bif-m1-s7", {t["barrier"]: 1, t["insight"]: 1, t["action"]: 1})
    for person in p["sme"]:
        dot_vote.save(engine, room, person, "bif-m1-s7", {t["barrier"]: 1, t["insight"]: 1, t["hostile"]: 1})
    for person in p["res"][:2]:
        dot_vote.save(engine, room, person, "bif-m1-s7", {t["barrier"]: 1, t["action"]: 1})
    dot_vote.save(engine, room, p["rep"][0], "bif-m1-s7", {t["barrier"]: 1})
    for person in p["adv"] + p["sme"][:1]:
        rating.save(engine, room, person, "bif-m1-s8", {"0": 4})
    _card(engine, room, p["adv"][0], "bif-m1-s8", COMMITMENT)
    _card(engine, room, p["sme"][0], "bif-m1-s8", "Jeg vil tale med min leder om trivsel")
    known.room = store.set_step(engine, room.id, len(rooms.steps(room)) - 1)
    return known


def build_m2(engine, library) -> KnownRoom:
    """bif-m2: a ranking of 7 items by 6 people (3 advisers, 3 managers); advisers rate three items 2, 5, 3."""
    room = rooms.open_room(engine, library, "bifrost", "bif-m2")
    known = KnownRoom(room)
    known.people["adv"] = _join(engine, room, "OHS_ADVISER", 3)
    known.people["sme"] = _join(engine, room, "SME_MANAGER", 3)
    order = [f"item:{i}" for i in range(7)]
    for person in known.people["adv"]:
        ranking.save(engine, room, person, "bif-m2-s7", order)  # item 0 first
    for person in known.people["sme"]:
        ranking.save(engine, room, person, "bif-m2-s7", order[1:] + order[:1])  # item 1 first, item 0 last
    for person in known.people["adv"]:
        rating.save(engine, room, person, "bif-m2-s3", {"0": 2, "1": 5, "2": 3})
    _card(engine, room, known.people["sme"][0], "bif-m2-s5", "Lederne opdager problemerne for sent")
    _run_all_steps(engine, room)
    known.room = store.get_room(engine, room.id)
    return known


def build_m3(engine, library) -> KnownRoom:
    """bif-m3: cards placed on impact × effort and dot-voted; a card that takes up M1's commitment."""
    room = rooms.open_room(engine, library, "bifrost", "bif-m3")
    known = KnownRoom(room)
    people = _join(engine, room, "OHS_ADVISER", 3) + _join(engine, room, "EMPLOYEE", 2)
    known.people["all"] = people
    quick = _card(engine, room, people[0], "bif-m3-s3", "Fast kontaktaftale med lederen under fraværet")
    bet = _card(engine, room, people[1], "bif-m3-s3", "Ny politik for tilbagevenden i hele virksomheden")
    known.cards.update(quick=quick, bet=bet)
    for person in people:
        matrix_2x2.save(
            engine,
            room,
            person,
            "bif-m3-s5",
            {f"card:{quick.id}": {"x": 0.2, "y": 0.8}, f"card:{bet.id}": {"x": 0.9, "y": 0.7}},
        )
        dot_vote.save(engine, room, person, "bif-m3-s7", {f"card:{quick.id}": 1})
    _run_all_steps(engine, room)
    known.room = store.get_room(engine, room.id)
    return known
