"""`deescalate brief` on NENA EIDO files, run as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli_convert import assert_one_line_error, run

DATA = Path(__file__).parent.parent / "data" / "eido"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('store')}/store.db"


FIXTURES = {
    "nena_sample_layout.json": ("7f3c2a91e04:psap.kent.de.us", "120 N Governors Avenue", "3025550187", "WEAPON"),
    "current_layout.json": ("24-031877", "418 Garland Avenue Apt 3C", "+1-504-555-0142", "WEAPON"),
    "draft_2020.json": ("4471:psap.allegheny.pa.us", "2215 Sarah Street", "+14125550163", None),
}


@pytest.mark.parametrize(("name", "expected"), FIXTURES.items(), ids=FIXTURES.keys())
def test_cli_eido_brief_json(store: str, name: str, expected: tuple[str, str, str, str | None]) -> None:
    number, address, callback, first_caution = expected
    result = run("brief", DATA / name, "--db", store, "-f", "json")
    assert result.returncode == 0, result.stderr
    b = json.loads(result.stdout)
    assert b["call_line"].startswith(f"{number}: ") and address in b["call_line"]
    assert b["call"]["callbacks"][0] == callback
    assert [c["label"] for c in b["cautions"]][:1] == ([first_caution] if first_caution else [])


def test_cli_eido_brief_text_shows_banner_first(store: str) -> None:
    result = run("brief", DATA / "current_layout.json", "--db", store)
    assert result.returncode == 0, result.stderr
    assert result.stdout.index("OFFICER SAFETY") < result.stdout.index("24-031877")


@pytest.mark.parametrize(
    ("change", "code", "where"),
    [
        (lambda d: d.pop("issuingElementIdentification"), "E088", "issuingElementIdentification"),
        (
            lambda d: d["locationComponent"][0].update(locationByValue="<presence><civicAddress>"),
            "E089",
            "locationComponent[0].locationByValue",
        ),
    ],
    ids=["missing required field", "broken PIDF-LO"],
)
def test_cli_eido_bad_file_is_one_line(store: str, tmp_path: Path, change: object, code: str, where: str) -> None:
    doc = json.loads((DATA / "nena_sample_layout.json").read_text("utf-8"))
    change(doc)  # type: ignore[operator]
    path = tmp_path / "bad-eido.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = run("brief", path, "--db", store)
    assert_one_line_error(result, "bad-eido.json")
    assert f"[{code}]" in result.stderr and where in result.stderr
