from __future__ import annotations

import re
from dataclasses import replace
from html.parser import HTMLParser

from deescalate.analysis.result import Analysis, Status
from deescalate.encounter.model import Encounter, Participant, Role, Utterance
from deescalate.report.html import render_html
from tests.report.conftest import SCRIPT_TEXT, make_analysis

VOID = {"meta", "br", "hr", "img", "input", "link"}  # SVG shapes are closed or self-closed explicitly


class Node:
    def __init__(self, tag: str, attrs: dict[str, str], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node] = []
        self.parts: list[str | Node] = []

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def text(self) -> str:
        return "".join(p if isinstance(p, str) else p.text() for p in self.parts)

    def walk(self) -> list[Node]:
        out = [self]
        for c in self.children:
            out.extend(c.walk())
        return out

    def ancestors(self) -> list[Node]:
        out, node = [], self.parent
        while node is not None:
            out.append(node)
            node = node.parent
        return out


class Tree(HTMLParser):
    """A tiny DOM; fails on a close tag that does not match the open one (so the page must be well-formed)."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.root = Node("#root", {}, None)
        self.cur = self.root
        self.feed(page)
        self.close()
        assert self.cur is self.root, f"unclosed <{self.cur.tag}>"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, self.cur)
        self.cur.children.append(node)
        self.cur.parts.append(node)
        if tag not in VOID:
            self.cur = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, self.cur)
        self.cur.children.append(node)
        self.cur.parts.append(node)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        assert self.cur.tag == tag, f"</{tag}> closes <{self.cur.tag}>"
        assert self.cur.parent is not None
        self.cur = self.cur.parent

    def handle_data(self, data: str) -> None:
        self.cur.parts.append(data)

    def find(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> list[Node]:
        return [
            n
            for n in self.root.walk()
            if (tag is None or n.tag == tag)
            and (cls is None or cls in n.classes)
            and all(n.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]


def parse(analysis: Analysis) -> tuple[str, Tree]:
    page = render_html(analysis)
    return page, Tree(page)


def test_html_is_one_well_formed_page(analysis: Analysis) -> None:
    page, tree = parse(analysis)
    assert page.startswith("<!DOCTYPE html>")
    assert len(tree.find("html")) == 1 and len(tree.find("style")) == 1


def test_html_every_utterance_has_an_anchored_row(analysis: Analysis) -> None:
    _, tree = parse(analysis)
    for u in analysis.encounter.utterances:
        (row,) = tree.find("tr", id=u.id)
        assert u.text in row.text()
        assert tree.find("a", href=f"#{u.id}"), u.id


def test_html_highlights_contain_exactly_the_quoted_text(analysis: Analysis) -> None:
    _, tree = parse(analysis)
    marks = tree.find("mark")
    for i, f in enumerate(analysis.findings):
        covering = [m for m in marks if str(i) in m.attrs["data-f"].split()]
        assert "".join(m.text() for m in covering) == f.quote, f.label
        (row,) = tree.find("tr", id=f.utterance_id)
        assert all(row in m.ancestors() for m in covering)


def test_html_overlapping_spans_are_never_nested(analysis: Analysis) -> None:
    _, tree = parse(analysis)
    marks = tree.find("mark")
    assert all(not any(a.tag == "mark" for a in m.ancestors()) for m in marks)
    (row,) = tree.find("tr", id="u5")  # command, conflicting command and threat of force overlap here
    text_cell = next(n for n in row.walk() if "text" in n.classes)
    assert text_cell.text().startswith("Get on the ground now or you'll get tased.")
    threat = [m for m in row.walk() if m.tag == "mark" and m.text() == "you'll get tased"]
    assert threat and "concern" in threat[0].classes


def test_html_escapes_all_text(analysis: Analysis) -> None:
    page, tree = parse(analysis)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "keys &amp; my phone" in page
    assert page.count("<script") == 1  # only the page's own filter script
    assert "Sam &lt;Ortiz&gt;" in page and "Sam <Ortiz>" not in page
    (row,) = tree.find("tr", id="u2")
    assert SCRIPT_TEXT in row.text()
    assert "Test explanation for command &amp; &lt;friends&gt;" in page


def test_html_is_self_contained(analysis: Analysis) -> None:
    page, tree = parse(analysis)
    assert "http://" not in page and "https://" not in page
    assert not tree.find("link") and not tree.find("img") and not tree.find("iframe")
    assert all("src" not in n.attrs for n in tree.root.walk())
    assert all(n.attrs["href"].startswith("#") for n in tree.find("a"))


def test_html_header_shows_id_call_type_duration_and_officers(analysis: Analysis) -> None:
    _, tree = parse(analysis)
    (header,) = tree.find("header")
    text = header.text()
    assert "Dispute over keys <ends> in a takedown" in text
    assert "test-enc-1" in text and "disturbance" in text
    assert "Duration: 0:44" in text and "Officers: 1" in text


def test_html_checklist_panel_shows_each_status(analysis: Analysis) -> None:
    _, tree = parse(analysis)
    cards = tree.find("article", cls="item")
    assert [c.attrs["data-item"] for c in cards] == ["C1", "C2", "C3", "C4", "C5", "C6", "C7", "delivery"]
    badges = {c.attrs["data-item"]: next(n for n in c.walk() if "badge" in n.classes) for c in cards}
    for v in analysis.verdicts:
        assert badges[v.item].text() == v.status.value
        assert f"b-{v.status.value.replace(' ', '-')}" in badges[v.item].classes
    assert {b.text() for b in badges.values()} == {s.value for s in Status}
    c3 = next(c for c in cards if c.attrs["data-item"] == "C3")
    assert "Reason for C3" in c3.text()
    assert {a.attrs["href"] for a in c3.walk() if a.tag == "a"} == {"#u4", "#u5"}


def test_html_checklist_item_without_verdict_is_not_assessed(analysis: Analysis) -> None:
    partial = replace(analysis, verdicts=tuple(v for v in analysis.verdicts if v.item != "C6"))
    _, tree = parse(partial)
    (card,) = tree.find("article", data_item="C6")
    assert "not assessed" in card.text()


def test_html_key_moments_link_to_utterances(analysis: Analysis) -> None:
    _, tree = parse(analysis)
    (section,) = tree.find("section", id="moments")
    items = [n for n in section.walk() if n.tag == "li"]
    assert [i.text() for i in items] == [
        "0:16 — threat of force during conflicting commands",
        "0:19 — subject says his knee is broken; no officer checks",
    ]
    assert [n.attrs["href"] for n in section.walk() if n.tag == "a"] == ["#u5", "#u6"]


def test_html_timeline_has_one_lane_per_participant_officers_first(analysis: Analysis) -> None:
    _, tree = parse(analysis)
    (svg,) = tree.find("svg", cls="timeline")
    lanes = [n.attrs["data-participant"] for n in svg.walk() if "lane" in n.classes]
    assert lanes == ["O1", "S1", "B1"]
    bars = [n for n in svg.walk() if n.tag == "rect" and "utt" in n.classes]
    assert len(bars) == len(analysis.encounter.utterances)
    assert all(b.parent is not None and b.parent.attrs["href"].startswith("#u") for b in bars)


def test_html_timeline_draws_one_red_line_per_conflicting_command(analysis: Analysis) -> None:
    _, tree = parse(analysis)
    (svg,) = tree.find("svg", cls="timeline")
    conflicts = [n for n in svg.walk() if "conflict" in n.classes]
    assert len(conflicts) == sum(f.label == "conflicting_command" for f in analysis.findings) == 2
    assert all(c.attrs["stroke"] == "#c62828" for c in conflicts)


def test_html_timeline_marks_commands_cues_and_events(analysis: Analysis) -> None:
    _, tree = parse(analysis)
    (svg,) = tree.find("svg", cls="timeline")
    nodes = svg.walk()
    assert len([n for n in nodes if "cmd" in n.classes]) == 3  # u4, u5, u7
    assert len([n for n in nodes if "cue" in n.classes]) == 2  # u3, u6
    (force,) = [n for n in nodes if "force" in n.classes]
    assert force.attrs["stroke"] == "#c62828" and "takedown" in force.text()
    assert len([n for n in nodes if "event" in n.classes]) == 1
    ticks = [n.text() for n in nodes if n.tag == "text" and re.fullmatch(r"\d+:\d\d", n.text())]
    assert ticks[:3] == ["0:00", "0:05", "0:10"]


def test_html_timeline_stays_legible_for_an_hour(analysis: Analysis) -> None:
    utterances = [
        Utterance(id=f"u{i}", speaker="O1" if i % 2 else "S1", start=i * 30.0, text="word " * 12) for i in range(121)
    ]
    long = Encounter(
        id="long",
        participants=[Participant(id="O1", role=Role.officer), Participant(id="S1", role=Role.subject)],
        utterances=utterances,
    )
    _, tree = parse(replace(analysis, encounter=long, findings=(), moments=(), verdicts=()))
    (svg,) = tree.find("svg", cls="timeline")
    width = float(svg.attrs["width"])
    assert 1500 < width < 2500  # about half a pixel per second, scrolled sideways
    bars = [n for n in svg.walk() if "utt" in n.classes]
    assert all(1.5 <= float(b.attrs["width"]) <= 4 for b in bars)  # no end time: 12 words / 2.5 words/s
    ticks = [n.text() for n in svg.walk() if n.tag == "text" and re.fullmatch(r"\d+:\d\d", n.text())]
    assert "60:00" in ticks and 10 <= len(ticks) <= 40


def test_html_measures_table_per_officer(analysis: Analysis) -> None:
    _, tree = parse(analysis)
    (section,) = tree.find("section", id="measures")
    rows = [[c.text() for c in r.children] for r in section.walk() if r.tag == "tr"]
    assert ["Deputy Lane", "5", "40", "96.0", "8.0", "3", "45%"] in rows
    assert ["Time to first force", "30 s"] in rows


def test_html_chips_carry_rule_and_explanation(analysis: Analysis) -> None:
    _, tree = parse(analysis)
    chips = tree.find("span", cls="chip")
    assert len(chips) == len(analysis.findings)
    threat = next(c for c in chips if "threat of force" in c.text())
    assert "concern" in threat.classes
    assert "threat_of_force.test.v1" in threat.attrs["title"]
    assert "Test explanation for threat_of_force & <friends>" in threat.attrs["title"]
    (row,) = tree.find("tr", id="u7")
    assert "#u5" in [a.attrs["href"] for a in row.walk() if a.tag == "a"]


def test_html_legend_names_every_item_colour(analysis: Analysis) -> None:
    _, tree = parse(analysis)
    (legend,) = tree.find("section", id="legend")
    text = legend.text()
    assert all(f"C{i} " in text for i in range(1, 8))
    assert len({n.attrs["class"] for n in legend.walk() if "sw" in n.classes}) == 8


def test_html_footer_says_findings_need_human_review(analysis: Analysis) -> None:
    _, tree = parse(analysis)
    (footer,) = tree.find("footer")
    assert "machine-generated" in footer.text().lower() and "a person must check" in footer.text()


def test_html_survives_a_span_that_does_not_match_its_text() -> None:
    analysis = make_analysis()
    bad = replace(analysis.findings[0], span=(500, 510))  # quote still found in the text
    gone = replace(analysis.findings[1], quote="not in the text", span=(0, 3))
    page, tree = parse(replace(analysis, findings=(bad, gone)))
    marks = tree.find("mark")
    assert [m.text() for m in marks] == ["Hi sir"]
    assert len(tree.find("span", cls="chip")) == 2
