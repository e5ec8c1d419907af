"""The review application's demo store: the bundled example encounters, an admin to sign in with, two officers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from deescalate.settings import Settings, get_settings
from deescalate.store.db import open_store
from deescalate.store.models import UserRole
from deescalate.web.security import generate_password
from deescalate.web.services import actor_of, create_user, store_upload

DEMO_ADMIN = "demo-admin"
# the camera wearers the examples are filed under, each in a unit, so the dashboard has something to break down
DEMO_OFFICERS = (("officer-north", "North patrol"), ("officer-south", "South patrol"))


@dataclass(frozen=True, slots=True)
class DemoStore:
    url: str
    username: str
    password: str  # shown once; only its hash is stored
    encounters: int


def load_demo_store(url: str, *, examples: list[Path] | None = None, settings: Settings | None = None) -> DemoStore:
    """Fill an empty store at URL: the admin (a generated password), the officers (passwords nobody is told:
    an admin sets real ones), and each example encounter uploaded and analysed as the web upload does it."""
    from deescalate.examples import example_paths

    paths = examples if examples is not None else list(example_paths())
    password = generate_password()
    factory = open_store(url)
    try:
        with factory() as session:
            admin = create_user(session, username=DEMO_ADMIN, role=UserRole.admin, password=password)
            for name, unit in DEMO_OFFICERS:
                create_user(session, username=name, role=UserRole.officer, password=generate_password(), unit=unit)
            actor = actor_of(admin)
            for i, path in enumerate(paths):
                store_upload(  # (the encounter, whether it was new): the examples are all different
                    session,
                    actor=actor,
                    filename=path.name,
                    data=path.read_bytes(),
                    officer=DEMO_OFFICERS[i % len(DEMO_OFFICERS)][0],
                    settings=settings or get_settings(),
                )
    finally:
        factory.kw["bind"].dispose()
    return DemoStore(url=url, username=DEMO_ADMIN, password=password, encounters=len(paths))
