from __future__ import annotations

import glob
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import settings

from supplyscreen.match.compiled import CACHE_DIR_ENV
from supplyscreen.match.rows import Matcher
from supplyscreen.rules import RuleSet, load_rules

# No per-example deadline: first calls load data (pinyin tables, country names) and CI machines vary.
settings.register_profile("supplyscreen", deadline=None, print_blob=True)
settings.load_profile("supplyscreen")

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session", autouse=True)
def private_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Compiled watchlists go to a cache directory of the test session's own, never the user's."""
    with pytest.MonkeyPatch.context() as patch:
        path = tmp_path_factory.mktemp("cache")
        patch.setenv(CACHE_DIR_ENV, str(path))
        yield path


@pytest.fixture(scope="session")
def ruleset() -> RuleSet:
    return load_rules()


@pytest.fixture(scope="session")
def matcher(ruleset: RuleSet) -> Matcher:
    return Matcher(ruleset)


def load_script(name: str, path: Path) -> ModuleType:
    """A script of the project that is not a package module (tests/eval/*.py), imported under ``name``."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


# --- PostgreSQL: a real server where its binaries exist (tests/test_store.py, tests/test_review.py) ------


def own_database(server_url: str, name: str) -> str:
    """A new, empty database on the PostgreSQL server of ``server_url``; its URL."""
    from sqlalchemy import create_engine, text

    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL cluster on 127.0.0.1 (initdb + pg_ctl), removed afterwards."""
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip(
            "PostgreSQL server binaries (initdb, pg_ctl) are not installed: apt-get install postgresql"
        )
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg is not installed: pip install 'supplyscreen[postgres]'")
    as_user: list[str] = []
    data = Path(tempfile.mkdtemp(prefix="supplyscreen-pg-"))
    if os.geteuid() == 0:  # initdb refuses to run as root
        if not shutil.which("runuser"):
            pytest.skip("running as root without runuser: cannot start PostgreSQL as another user")
        try:
            shutil.chown(data, "postgres")
        except LookupError:
            shutil.rmtree(data, ignore_errors=True)
            pytest.skip("running as root and there is no postgres user to start PostgreSQL as")
        as_user = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cluster = data / "cluster"
    try:
        subprocess.run(
            [*as_user, initdb, "-D", str(cluster), "-A", "trust", "-U", "postgres", "--no-sync"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {cluster} -c fsync=off"
        subprocess.run(
            [
                *as_user,
                pg_ctl,
                "-D",
                str(cluster),
                "-o",
                options,
                "-l",
                str(cluster / "log"),
                "-w",
                "-t",
                "30",
                "start",
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, KeyError, LookupError) as exc:
        shutil.rmtree(data, ignore_errors=True)
        pytest.skip(f"could not start a PostgreSQL server here: {exc}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*as_user, pg_ctl, "-D", str(cluster), "-m", "fast", "-w", "-t", "30", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(data, ignore_errors=True)
