"""Review in the web app: decision forms, decisions carried over, evidence uploads, sign-in, sessions, CSRF,
roles, and the JSON API — through Starlette's test client over a real SQLite database."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from supplyscreen.cli import cli
from supplyscreen.errors import ConfigError
from supplyscreen.review import Actor, audit, users
from supplyscreen.settings import Settings
from supplyscreen.store import Store
from supplyscreen.web.app import create_app

BASE = "http://127.0.0.1"
MONTH_1 = b"Vendor ID,Supplier,Country,Notes\nV-001,Hunchun Haifeng Aquatic Products Co.,China,\nV-002,Acme Fishing,Chile,\nV-003,Beta Tuna,China,North Korean workers on site\n"
MONTH_2 = MONTH_1 + b"V-004,Gamma Fisheries,China,\n"
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PASSWORD = "correct horse battery"


def _app(tmp_path: Path, **settings: Any) -> tuple[TestClient, Store]:
    url = f"sqlite:///{tmp_path / 'web.db'}"
    store = Store(url)
    app = create_app(Settings(db=url, **settings), store)
    return TestClient(app, base_url=BASE, raise_server_exceptions=False), store


@pytest.fixture()
def loopback(tmp_path: Path) -> Iterator[tuple[TestClient, Store]]:
    client, store = _app(tmp_path)
    with client:
        yield client, store


def _token(client: TestClient, path: str = "/") -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert match
    return match.group(1)


def _screened(client: TestClient, data: bytes, name: str = "vendors.csv") -> str:
    run = client.post("/api/v1/runs", params={"wait": 60}, files=[("files", (name, data, "text/csv"))]).json()
    assert run["status"] == "done", run
    return str(run["id"])


def _post(client: TestClient, path: str, **fields: str) -> Any:
    return client.post(path, data={"csrf_token": _token(client), **fields}, follow_redirects=False)


def test_a_reviewer_decides_on_the_supplier_page_and_the_next_run_carries_it(
    loopback: tuple[TestClient, Store],
) -> None:
    client, store = loopback
    first = _screened(client, MONTH_1)
    page = client.get(f"/runs/{first}/suppliers/0").text
    assert 'id="reviewer-name"' in page and 'id="decide-hit-1"' not in page  # a name first
    assert (
        _post(client, "/reviewer", reviewer="A. Reviewer", next=f"/runs/{first}/suppliers/0").status_code
        == 303
    )
    page = client.get(f"/runs/{first}/suppliers/0").text
    assert "Deciding as <strong>A. Reviewer</strong> (name given, not signed in)" in page
    key = re.search(r'id="hit-2" class="needs-review" data-hit-key="([^"]+)"', page)
    assert key and all(
        f'id="{i}"' in page for i in ("decide-hit-2", "decision-hit-2", "comment-hit-2", "submit-hit-2")
    )
    response = _post(
        client,
        f"/runs/{first}/suppliers/0/hits/decision",
        hit_key=key.group(1).replace("&#34;", '"'),
        decision="false_positive",
        comment="different company, Busan",
    )
    assert response.status_code == 303 and response.headers["location"].endswith("#hit-2")
    page = client.get(f"/runs/{first}/suppliers/0").text
    assert "cleared as false positive by A. Reviewer on " in page and "different company, Busan" in page
    assert 'data-action="decision.hit"' in page  # the history

    second = _screened(client, MONTH_2, "vendors-12.csv")
    results = client.get(f"/runs/{second}").text
    assert "cleared as false positive by A. Reviewer" in results and "(carried over)" in results
    assert re.search(
        r'id="review-counts">Review of the rows shown: <strong>\d+</strong> hits to review ·\s+<strong>1</strong>',
        results,
    )
    page = client.get(f"/runs/{second}/suppliers/0").text
    assert f'(carried over from run <a href="/runs/{first}/suppliers/0">{first[:8]}</a>)' in page
    index = client.get("/").text
    assert "Decisions carried over" in index
    assert [e.action for e in audit.events(store)][-3:] == ["decision.hit", "run.create", "run.finish"]


def test_the_supplier_decision_status_and_evidence_with_a_document(
    loopback: tuple[TestClient, Store],
) -> None:
    client, store = loopback
    run_id = _screened(client, MONTH_1)
    _post(client, "/reviewer", reviewer="Bob Checker")
    url = f"/runs/{run_id}/suppliers/2"
    assert (
        _post(
            client, url + "/decision", decision="escalated", status="awaiting_evidence", comment="legal"
        ).status_code
        == 303
    )
    page = client.get(url).text
    assert "escalated by Bob Checker on " in page and 'id="supplier-status">awaiting evidence<' in page
    item = re.search(r'name="item_id" value="([^"]+)"', page)
    assert item
    response = client.post(
        url + "/evidence",
        data={
            "csrf_token": _token(client),
            "item_id": item.group(1),
            "status": "received",
            "comment": "payroll",
        },
        files=[("document", ("payroll.pdf", PDF, "application/pdf"))],
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    page = client.get(url).text
    link = re.search(rf'href="({url}/documents/\d+)" download>payroll.pdf</a>', page)
    assert link
    download = client.get(link.group(1))
    assert download.content == PDF and download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith('attachment; filename="payroll.pdf"')
    refused = client.post(
        url + "/evidence",
        data={"csrf_token": _token(client), "item_id": item.group(1), "status": "received"},
        files=[("document", ("tool.pdf", b"\x7fELF\x02\x01\x01" + b"\0" * 64, "application/pdf"))],
    )
    assert refused.status_code == 400 and "tool.pdf: is a program, not a document" in refused.text
    assert _post(client, url + "/decision").status_code == 400  # neither decision nor status
    actions = [e.action for e in audit.events(store, target="supplier:id:v-003")]
    assert actions == ["decision.supplier", "status.supplier", "evidence.attach"]


def test_forms_need_the_csrf_token(loopback: tuple[TestClient, Store]) -> None:
    client, _ = loopback
    run_id = _screened(client, MONTH_1)
    _post(client, "/reviewer", reviewer="A. Reviewer")
    for path, fields in [
        (f"/runs/{run_id}/suppliers/0/hits/decision", {"hit_key": "1", "decision": "confirmed"}),
        (f"/runs/{run_id}/suppliers/0/decision", {"decision": "confirmed"}),
        ("/logout", {}),
        ("/login", {"name": "x", "password": "y"}),
        ("/reviewer", {"reviewer": "Mallory"}),
    ]:
        response = client.post(path, data=fields, follow_redirects=False)
        assert response.status_code == 403 and "the form has expired" in response.text, path


def test_a_name_given_is_not_an_accounts_name(loopback: tuple[TestClient, Store]) -> None:
    client, store = loopback
    users.add_user(store, "Ann Admin", "admin", PASSWORD, Actor.cli("root"))
    response = _post(client, "/reviewer", reviewer="ann admin")
    assert response.status_code == 400 and "has an account" in response.text
    assert _post(client, "/reviewer", reviewer="=cmd|x").status_code == 400


# --- beyond loopback: accounts --------------------------------------------------------------------------


def test_the_server_refuses_to_listen_beyond_loopback_without_an_account(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'web.db'}"
    with pytest.raises(
        ConfigError, match=r"would listen on 0\.0\.0\.0, beyond this machine, and has no account"
    ):
        create_app(Settings(db=url, host="0.0.0.0"), Store(url))
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--db", url])
    assert result.exit_code == 1
    assert (
        result.stderr.startswith("Error: the app would listen on 0.0.0.0")
        and len(result.stderr.splitlines()) == 1
    )


@pytest.fixture()
def exposed(tmp_path: Path) -> Iterator[tuple[TestClient, Store]]:
    """The app as if it listened on every address: accounts required (an admin and a reviewer exist)."""
    url = f"sqlite:///{tmp_path / 'web.db'}"
    store = Store(url)
    users.add_user(store, "Ann Admin", "admin", PASSWORD, Actor.cli("root"))
    users.add_user(store, "Rob Reviewer", "reviewer", PASSWORD, Actor.cli("root"))
    with TestClient(create_app(Settings(db=url, host="0.0.0.0"), store), base_url=BASE) as client:
        yield client, store


def _sign_in(client: TestClient, name: str, password: str = PASSWORD) -> Any:
    return client.post(
        "/login",
        data={"csrf_token": _token(client, "/login"), "name": name, "password": password, "next": "/"},
        follow_redirects=False,
    )


def test_sign_in_and_out(exposed: tuple[TestClient, Store]) -> None:
    client, store = exposed
    first = client.get("/runs/abc?tier=high", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/login?next=%2Fruns%2Fabc%3Ftier%3Dhigh"
    assert client.get("/static/app.css").status_code == 200  # public
    before = _token(client, "/login")
    wrong = _sign_in(client, "Ann Admin", "not the password")
    assert wrong.status_code == 401 and "The name or password is wrong." in wrong.text
    assert _sign_in(client, "nobody", PASSWORD).status_code == 401
    signed = _sign_in(client, "ann admin")
    assert signed.status_code == 303 and signed.headers["location"] == "/"
    page = client.get("/")
    assert page.status_code == 200 and 'id="signed-in">Ann Admin (admin)<' in page.text
    assert _token(client) != before  # a new session: its CSRF token is new too
    assert _post(client, "/logout").headers["location"] == "/login"
    assert client.get("/", follow_redirects=False).status_code == 303
    trail = [(e.actor, e.via, e.action, e.target) for e in audit.events(store)][2:]
    assert trail == [
        ("anonymous", "web", "login.failed", "user:Ann Admin"),
        ("anonymous", "web", "login.failed", "user:nobody"),
        ("Ann Admin", "login", "login", "user:Ann Admin"),
        ("Ann Admin", "login", "logout", "user:Ann Admin"),
    ]


def test_a_disabled_account_is_signed_out_at_its_next_request(exposed: tuple[TestClient, Store]) -> None:
    client, store = exposed
    _sign_in(client, "Rob Reviewer")
    assert client.get("/").status_code == 200
    users.disable_user(store, "Rob Reviewer", Actor.cli("root"))
    assert client.get("/", follow_redirects=False).status_code == 303
    assert _sign_in(client, "Rob Reviewer").status_code == 401


def test_only_an_admin_manages_accounts(exposed: tuple[TestClient, Store]) -> None:
    client, store = exposed
    _sign_in(client, "Rob Reviewer")
    assert client.get("/users").status_code == 403
    refused = _post(client, "/users", name="Eve", role="admin", password=PASSWORD)
    assert refused.status_code == 403 and "only an admin manages accounts" in refused.text
    _post(client, "/logout")
    _sign_in(client, "Ann Admin")
    assert 'id="add-user"' in client.get("/users").text
    assert _post(client, "/users", name="Cy New", role="reviewer", password=PASSWORD).status_code == 303
    assert _post(client, "/users/Cy%20New/disable").status_code == 303
    assert [(u.name, u.active) for u in users.list_users(store)][1] == ("Cy New", False)
    actions = [(e.actor, e.action) for e in audit.events(store)][-2:]
    assert actions == [("Ann Admin", "user.add"), ("Ann Admin", "user.disable")]


def test_a_signed_in_reviewer_decides_and_the_trail_says_so(exposed: tuple[TestClient, Store]) -> None:
    client, store = exposed
    auth = {"Authorization": "Basic " + base64.b64encode(f"Rob Reviewer:{PASSWORD}".encode()).decode()}
    run = client.post(
        "/api/v1/runs", params={"wait": 60}, files=[("files", ("v.csv", MONTH_1, "text/csv"))], headers=auth
    ).json()
    run_id = run["id"]
    _sign_in(client, "Rob Reviewer")
    page = client.get(f"/runs/{run_id}/suppliers/2").text
    assert "Deciding as <strong>Rob Reviewer</strong>." in page and 'id="reviewer-name"' not in page
    assert (
        _post(
            client, f"/runs/{run_id}/suppliers/2/hits/decision", hit_key="1", decision="confirmed"
        ).status_code
        == 303
    )
    (event,) = [e for e in audit.events(store) if e.action == "decision.hit"]
    assert (event.actor, event.via) == ("Rob Reviewer", "login")


# --- the JSON API ---------------------------------------------------------------------------------------


def test_the_api_decides_for_a_named_reviewer_on_loopback(loopback: tuple[TestClient, Store]) -> None:
    client, _ = loopback
    run_id = _screened(client, MONTH_1)
    base = f"/api/v1/runs/{run_id}/suppliers/0"
    review = client.get(base + "/review").json()
    assert review["needs_review"] == len(review["hits"]) == 5 and review["history"] == []
    unnamed = client.post(base + "/hits/decision", json={"hit": "2", "decision": "false_positive"})
    assert (
        unnamed.status_code == 401
        and unnamed.json()["error"]["message"] == "the request does not say who decides"
    )
    made = client.post(
        base + "/hits/decision",
        json={
            "hit": review["hits"][1]["hit_key"],
            "decision": "false_positive",
            "comment": "Busan",
            "reviewer": "A. Reviewer",
        },
    )
    assert made.status_code == 201 and made.json()["sentence"].endswith("'Busan'")
    bad = client.post(
        base + "/hits/decision", json={"hit": "2", "decision": "maybe", "reviewer": "A. Reviewer"}
    )
    assert bad.status_code == 422
    assert (
        client.post(
            base + "/decision", json={"decision": "confirmed", "status": "closed", "reviewer": "A. Reviewer"}
        ).status_code
        == 201
    )
    item = client.get(f"/api/v1/runs/{run_id}/suppliers/0").json()["checklist"][0]["id"]
    attached = client.post(
        base + f"/evidence/{item}",
        data={"status": "received", "reviewer": "A. Reviewer"},
        files=[("document", ("certificate.pdf", PDF, "application/pdf"))],
    )
    assert attached.status_code == 201, attached.text
    doc = attached.json()["document"]
    assert client.get(base + f"/documents/{doc['id']}").content == PDF
    assert client.get(f"/api/v1/runs/{run_id}/suppliers/1/documents/{doc['id']}").status_code == 404
    after = client.get(base + "/review").json()
    assert after["needs_review"] == 4 and after["status"]["status"] == "closed"
    assert [e["action"] for e in after["history"]] == [
        "decision.hit",
        "decision.supplier",
        "status.supplier",
        "evidence.attach",
    ]
    summary = client.get(f"/api/v1/runs/{run_id}/review").json()
    assert summary["needs_review"] == sum(s["needs_review"] for s in summary["suppliers"])
    assert "set-cookie" not in made.headers


def test_the_api_needs_an_account_beyond_loopback(exposed: tuple[TestClient, Store]) -> None:
    client, _ = exposed
    plain = client.get("/api/v1/runs")
    assert plain.status_code == 401 and plain.headers["www-authenticate"].startswith("Basic")
    assert plain.json()["error"]["message"] == "this server needs an account"
    wrong = {"Authorization": "Basic " + base64.b64encode(b"Ann Admin:nope").decode()}
    assert (
        client.get("/api/v1/runs", headers=wrong).json()["error"]["message"]
        == "the name or password is wrong"
    )
    right = {"Authorization": "Basic " + base64.b64encode(f"Ann Admin:{PASSWORD}".encode()).decode()}
    assert client.get("/api/v1/runs", headers=right).status_code == 200
    assert client.get("/api/v1/runs", headers={"Authorization": "Basic !!!"}).status_code == 401


def test_downloads_are_exports_in_the_trail(loopback: tuple[TestClient, Store]) -> None:
    client, store = loopback
    run_id = _screened(client, MONTH_1)
    client.get(f"/runs/{run_id}/download/results.xlsx")
    client.get(f"/api/v1/runs/{run_id}/files/report.html")
    exports = [(e.actor, e.action, e.after) for e in audit.events(store) if e.action.startswith("export.")]
    assert exports == [
        ("anonymous", "export.report", {"file": "results.xlsx"}),
        ("anonymous", "export.report", {"file": "report.html"}),
    ]


@pytest.mark.parametrize(
    ("given", "goes"),
    [
        ("/runs/abc?tier=high", "/runs/abc?tier=high"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("/\t/evil.example", "/"),
        ("https://evil.example/", "/"),
    ],
)
def test_signing_in_goes_back_to_this_app_only(
    exposed: tuple[TestClient, Store], given: str, goes: str
) -> None:
    client, _ = exposed
    response = client.post(
        "/login",
        data={
            "csrf_token": _token(client, "/login"),
            "name": "Ann Admin",
            "password": PASSWORD,
            "next": given,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == goes
