"""deploy/kubernetes: every manifest against the Kubernetes schemas (offline, strict)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml
from fastapi.testclient import TestClient

from rewards import default_registry
from rewards.policy import load_policy
from rewards.profiles import check_profiles, load_profiles
from server.app import create_app
from server.config import Settings
from tests.conftest import make_engine, make_settings
from tests.deploy.conftest import DEPLOY

K8S = DEPLOY / "kubernetes"
VERSION = "1.33.0"  # a release current clusters run; the schemas ship with the validator


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((K8S / name).read_text())
    return data


def _kustomization() -> dict[str, Any]:
    return _load("kustomization.yaml")


def _generated_configmaps() -> list[dict[str, Any]]:
    """The ConfigMaps kustomize generates (configMapGenerator), as objects."""
    maps = []
    for gen in _kustomization()["configMapGenerator"]:
        data = {Path(f).name: (K8S / f).read_text() for f in gen["files"]}
        maps.append(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": gen["name"]},
                "data": data,
            }
        )
    return maps


def _builtin_resources() -> list[dict[str, Any]]:
    docs = [_load(name) for name in _kustomization()["resources"]]
    return [d for d in docs if d["apiVersion"] != "monitoring.coreos.com/v1"]


def test_every_builtin_manifest_validates_strictly() -> None:
    resources = [*_builtin_resources(), *_generated_configmaps()]
    kinds = {r["kind"] for r in resources}
    assert kinds == {
        "Namespace",
        "Secret",
        "Deployment",
        "Service",
        "HorizontalPodAutoscaler",
        "ConfigMap",
    }
    for resource in resources:
        kubernetes_validate.validate(resource, VERSION, strict=True)


def test_validator_rejects_mistakes() -> None:
    """The schemas are really applied: a typo'd field or a wrong type fails."""
    typo = _load("deployment.yaml")
    typo["spec"]["template"]["spec"]["containers"][0]["resource"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(typo, VERSION, strict=True)
    wrong = _load("hpa.yaml")
    wrong["spec"]["maxReplicas"] = "eight"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(wrong, VERSION, strict=True)


def test_service_monitor_against_the_operator_crd() -> None:
    """The Prometheus Operator's CRD schema, as pydantic models (cloudcoil); a round trip
    shows no field was dropped as unknown."""
    from cloudcoil.models.prometheus_operator.v1 import ServiceMonitor

    raw = _load("servicemonitor.yaml")
    monitor = ServiceMonitor.model_validate(raw)
    assert monitor.model_dump(by_alias=True, exclude_none=True, mode="json") == raw
    service = _load("service.yaml")
    assert raw["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    port_names = {p["name"] for p in service["spec"]["ports"]}
    assert {e["port"] for e in raw["spec"]["endpoints"]} <= port_names
    secret = _load("secret.yaml")
    creds = raw["spec"]["endpoints"][0]["authorization"]["credentials"]
    assert creds["name"] == secret["metadata"]["name"] and creds["key"] in secret["stringData"]


def test_deployment_wiring() -> None:
    deploy = _load("deployment.yaml")
    pod = deploy["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["resources"]["limits"]["nvidia.com/gpu"] == "1"
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["path"] == "/health"
    assert pod["securityContext"]["runAsNonRoot"] is True
    # Every BON_* variable is a real setting, with a value the server accepts.
    env = {e["name"]: e["value"] for e in container["env"]}
    names = {k.removeprefix("BON_").lower(): v for k, v in env.items()}
    assert set(names) <= set(Settings.model_fields)
    Settings(**{k: v for k, v in names.items() if not k.endswith("_file")})
    # Mounted files are where the settings look for them.
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    (generated,) = _generated_configmaps()
    assert volumes["config"]["configMap"]["name"] == generated["metadata"]["name"]
    for name in ("profiles", "policy"):
        assert env[f"BON_{name.upper()}_FILE"] == f"{mounts['config']}/{name}.yaml"
        assert f"{name}.yaml" in generated["data"]
    secret = _load("secret.yaml")
    assert volumes["api-keys"]["secret"]["secretName"] == secret["metadata"]["name"]
    (item,) = volumes["api-keys"]["secret"]["items"]
    assert item["key"] in secret["stringData"]
    assert env["BON_API_KEYS_FILE"] == f"{mounts['api-keys']}/{item['path']}"
    # The HPA scales this Deployment.
    hpa = _load("hpa.yaml")
    assert hpa["spec"]["scaleTargetRef"]["name"] == deploy["metadata"]["name"]
    assert hpa["spec"]["metrics"][0]["pods"]["metric"]["name"] == "bon_requests_in_flight"


def test_config_files_load_in_the_server() -> None:
    """The ConfigMap's profiles and policy are files the server accepts at startup."""
    profiles = load_profiles(K8S / "config" / "profiles.yaml")
    check_profiles(profiles, default_registry().reward_names())
    policy = load_policy(K8S / "config" / "policy.yaml")
    assert {r.action for r in policy.rules} == {"veto", "penalty", "flag"}


def test_api_keys_file_loads_and_lets_prometheus_in(tmp_path: Path) -> None:
    from server.auth import load_api_keys

    secret = _load("secret.yaml")["stringData"]
    keys_file = tmp_path / "api-keys"
    keys_file.write_text(secret["api-keys"])
    keys = load_api_keys(None, keys_file)
    assert len(keys) == 2
    # The ServiceMonitor's bearer token opens /metrics on a server with these keys.
    assert secret["metrics-key"] in keys
    app = create_app(make_settings(api_keys_file=keys_file), engine=make_engine())
    with TestClient(app) as client:
        assert client.get("/metrics").status_code == 401
        token = {"Authorization": f"Bearer {secret['metrics-key']}"}
        assert client.get("/metrics", headers=token).status_code == 200


def test_upstream_front_tier() -> None:
    """Past one node: bon-server in upstream mode in front of vLLM (no GPU of its own)."""
    docs = list(yaml.safe_load_all((K8S / "upstream" / "bon-server-upstream.yaml").read_text()))
    assert [d["kind"] for d in docs] == ["Deployment", "Service"]
    for doc in docs:
        kubernetes_validate.validate(doc, VERSION, strict=True)
    (container,) = docs[0]["spec"]["template"]["spec"]["containers"]
    assert "nvidia.com/gpu" not in str(container["resources"])
    env = {e["name"].removeprefix("BON_").lower(): e["value"] for e in container["env"]}
    settings = Settings(**{k: v for k, v in env.items() if not k.endswith("_file")})
    assert settings.engine == "openai" and settings.upstream is not None
    assert docs[1]["spec"]["selector"] == docs[0]["spec"]["selector"]["matchLabels"]
