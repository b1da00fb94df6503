"""The web app's routers, as the app factory puts them together (app.state providers, one app per call)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from supplyscreen.settings import Settings
from supplyscreen.store import Store
from supplyscreen.web.app import create_app

from .conftest import SAMPLES


def test_api_upload_answers_with_the_runs_location(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'web.db'}"
    with TestClient(create_app(Settings(db=url), Store(url)), base_url="http://127.0.0.1") as client:
        data = (SAMPLES / "vendors.xlsx").read_bytes()
        response = client.post("/api/v1/runs", data={"screen": "false"}, files=[("files", ("v.xlsx", data))])
        assert response.status_code == 202, response.text
        run_id = response.json()["id"]
        assert response.headers["location"] == f"/api/v1/runs/{run_id}"
        assert client.get(response.headers["location"]).json()["status"] == "mapping"


def test_each_app_describes_its_own_upload_limit(tmp_path: Path) -> None:
    def described(mb: float) -> str:
        url = f"sqlite:///{tmp_path / f'{mb}.db'}"
        app = create_app(Settings(db=url, max_upload_mb=mb), Store(url))
        return str(app.openapi()["paths"]["/api/v1/runs"]["post"]["description"])

    assert "Upload limit 7.5 MB" in described(7.5)
    assert "Upload limit 50 MB" in described(50)
    assert "Upload limit 7.5 MB" in described(7.5)  # the routers are shared; the descriptions are not
