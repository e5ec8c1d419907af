"""Masked profanity as court filings, news releases and captions print it is read as the word spoken,
and the quote still shows the words as printed."""

from __future__ import annotations

import pytest

from deescalate.analysis.text import prepare, unmask


@pytest.mark.parametrize(
    ("printed", "read"),
    [
        ("f**k", "fuck"),
        ("f***ing", "fucking"),
        ("f---ing", "fucking"),
        ("f-ing", "fucking"),
        ("b***h", "bitch"),
        ("s--t", "shit"),
        ("sh*t", "shit"),
        ("a**hole", "asshole"),
        ("mother******", "motherfucker"),
        ("d*mn", "damn"),
    ],
)
def test_text_unmask_reads_the_hidden_word(printed: str, read: str) -> None:
    assert unmask(printed) == read


@pytest.mark.parametrize("word", ["t-shirt", "x-ray", "co-op", "uh-huh", "k-9", "well--i", "e-mail"])
def test_text_unmask_leaves_ordinary_hyphenated_words(word: str) -> None:
    assert unmask(word) is None
    assert prepare(word).text == word


@pytest.mark.parametrize(
    ("original", "prepared"),
    [
        ("Shut the f**k up!", "shut the fuck up!"),
        ("Get on the [expletive] ground", "get on the expletive ground"),
        ("You (expletive deleted) idiot", "you expletive idiot"),
        ("drop it [BLEEPED] now", "drop it expletive now"),
        ("Keep walking, mother[bleep]er.", "keep walking, motherexpletiveer."),
        ("[inaudible] hands up", "            hands up"),
    ],
)
def test_text_prepare_restores_bleeps_and_keeps_offsets(original: str, prepared: str) -> None:
    p = prepare(original)
    assert p.text == prepared
    a, b = p.span(0, len(p.text))
    assert (a, b) == (0, len(original))
    # every word of the prepared text maps back inside the original
    for clause in p.clauses:
        start, end = p.span(clause.start, clause.end)
        assert 0 <= start < end <= len(original)


@pytest.mark.parametrize(
    ("original", "prepared", "quoted"),
    [
        ("i cant move my arm", "i can't move my arm", "cant"),
        ("IM not resisting, I just DONT understand", "i'm not resisting, i just don't understand", "DONT"),
        ("he doesnt speak english", "he doesn't speak english", "doesnt"),
        ("yall need to back up", "y'all need to back up", "yall"),
        ("thats my brother, hes deaf", "that's my brother, he's deaf", "hes"),
        # near misses: words that are also other words stay as written
        ("i feel ill, its my sugar", "i feel ill, its my sugar", None),
        ("well we were going to the shell station", "well we were going to the shell station", None),
        ("he lets me use his id", "he lets me use his id", None),
        ("the cant-hook and the won't-fix list", "the cant-hook and the won't-fix list", None),
    ],
)
def test_text_prepare_restores_contractions_printed_without_apostrophe(
    original: str, prepared: str, quoted: str | None
) -> None:
    p = prepare(original)
    assert p.text == prepared
    assert p.span(0, len(p.text)) == (0, len(original))
    if quoted is not None:
        restored = next(w for w in p.text.split() if "'" in w and w.replace("'", "").rstrip(",") == quoted.lower())
        start = p.text.index(restored.rstrip(","))
        a, b = p.span(start, start + len(restored.rstrip(",")))
        assert original[a:b] == quoted  # findings quote the words as printed
