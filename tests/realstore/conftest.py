"""Fixtures for the real-store tests (marker `realstore`, `make test-store`): see wpstore.py.

`wc78` and `wc99` are session fixtures, one real store each, built on first use; `real_store` is either of them
(parametrized over both), restored to its seeded database before the test. Without the archives or the Debian
packages the tests are skipped with the reason, except with `CI` set, where that is a failure.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from prerequisites import require
from wpstore import FLAVOURS, MariaDB, RealStore, check_archives, missing

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.realstore)


@pytest.fixture(scope="session")
def mariadb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MariaDB]:
    require("real-store tests", missing())
    check_archives()
    with MariaDB(tmp_path_factory.mktemp("mariadb")) as db:
        yield db


def _store(name: str, mariadb: MariaDB, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealStore]:
    # With the archives and packages present, a store that does not build is a failure, never a skip.
    with RealStore.build(FLAVOURS[name], tmp_path_factory.mktemp(name), mariadb) as store:
        yield store


@pytest.fixture(scope="session")
def wc78(mariadb: MariaDB, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealStore]:
    """WooCommerce 7.8.2, posts storage, America/New_York."""
    yield from _store("wc78", mariadb, tmp_path_factory)


@pytest.fixture(scope="session")
def wc99(mariadb: MariaDB, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealStore]:
    """WooCommerce 9.9.5, HPOS authoritative, Asia/Shanghai."""
    yield from _store("wc99", mariadb, tmp_path_factory)


@pytest.fixture(params=sorted(FLAVOURS))
def real_store(request: pytest.FixtureRequest) -> RealStore:
    """Each flavour in turn, its database restored to the seeded state and its mail capture emptied."""
    store: RealStore = request.getfixturevalue(request.param)
    store.restore()
    return store
