"""infra/ against the project. There is no Docker engine here (only its client) and no helm, so:

- the Dockerfile is read instruction by instruction: what it copies exists and is not left out by .dockerignore,
  and its build commands run as written: the runtime pins are chosen by the script it runs (the whole lock is
  installed here, as in its build stage), and collectstatic runs with the image's environment where only those
  pins can be imported;
- compose.yaml is read with compose's variable substitution and checked against the project;
- the Helm chart is rendered (tests/deploy/helm.py) and its manifests checked; its settings pass Django's
  deploy checks with only the runtime pins importable.

Every command, file, URL path and environment variable named in infra/ must exist in the project."""

from __future__ import annotations

import os
import re
import secrets
import shlex
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
import yaml
from django.urls import resolve

from .helm import Chart
from .infra_files import (
    INFRA,
    ROOT,
    check_command,
    dockerfile,
    dockerignore_patterns,
    env_of,
    ignored,
    interpolate,
    variables_read,
)

DEV_ONLY = {"pytest", "moto", "playwright", "locust", "hypothesis", "schemathesis", "ruff", "factory-boy", "pypdf",
            "pdfplumber", "aiosmtpd", "polib", "pytest-django", "pytest-xdist"}
RUNTIME = {"django", "djangorestframework", "celery", "gunicorn", "psycopg", "psycopg-binary", "reportlab", "boto3",
           "sentry-sdk", "django-health-check", "django-prometheus", "python-json-logger", "redis", "kombu", "whitenoise"}


def signing_pems() -> dict[str, str]:
    """The franchise's key and certificate as a Secret gives them: PEM text in the environment."""
    from reports.certificates import make_certificate

    key, cert = make_certificate("Deploy Test Franchise")
    return {"PACK_SIGNING_KEY": key.decode(), "PACK_SIGNING_CERT": cert.decode()}


def names(pins: str) -> set[str]:
    return {re.sub(r"[-_.]+", "-", line.split("==")[0]).lower() for line in pins.splitlines() if "==" in line}


@pytest.fixture(scope="module")
def runtime_pins(tmp_path_factory):
    """The build stage's command, as written, with this environment standing for its /opt/full (the whole lock)."""
    [build] = [i for i in dockerfile() if i.stage == 0 and i.name == "RUN"]
    [step] = [s.strip() for s in build.args.split("&&") if "runtime_requirements.py" in s]
    argv, target = step.split(">")
    argv = shlex.split(argv)
    assert argv[0] == "/opt/full/bin/python" and argv[1] == "runtime_requirements.py"
    out = tmp_path_factory.mktemp("build") / target.strip()
    done = subprocess.run([sys.executable, str(INFRA / argv[1]), *argv[2:]], cwd=ROOT, capture_output=True, text=True,
                          check=True)
    out.write_text(done.stdout)
    return out


def test_the_image_is_slim_and_runs_as_a_user_of_its_own():
    instructions = dockerfile()
    froms = [i.args for i in instructions if i.name == "FROM"]
    assert [f.split()[0] for f in froms] == ["python:3.11-slim", "python:3.11-slim"]
    final = [i for i in instructions if i.stage == 1]
    [user] = [i.args for i in final if i.name == "USER"]
    assert user not in ("root", "0") and re.search(rf"useradd .*\b{user}\b", " ".join(i.args for i in final))
    # Nothing of the build stage's throwaway environment (dev tools included) reaches the final image.
    assert [i.args for i in final if i.name == "COPY" and "--from" in i.args] == ["--from=build /opt/venv /opt/venv"]
    [health] = [i.args for i in final if i.name == "HEALTHCHECK"]
    assert check_command(yaml.safe_load(health.split("CMD", 1)[1])) == []
    [cmd] = [i.args for i in final if i.name == "CMD"]
    assert check_command(yaml.safe_load(cmd)) == []
    env = env_of(instructions, 1)
    assert [i.args for i in final if i.name == "EXPOSE"] == [env["PORT"]]
    assert set(env) <= variables_read(), set(env) - variables_read()


def test_what_the_image_copies_exists_and_is_not_left_out():
    patterns = dockerignore_patterns()
    for ins in dockerfile():
        if ins.name == "COPY" and "--from" not in ins.args:
            *sources, _ = shlex.split(ins.args)
            for source in sources:
                assert (ROOT / source).exists(), source
                assert source == "." or not ignored(source, patterns), f"{source} is left out by .dockerignore"
    # What the processes need at run time is in the build context; the dev tools' files are not.
    for needed in ("manage.py", "backend/wsgi.py", "backend/settings/production.py", "infra/gunicorn.conf.py",
                   "infra/healthcheck.py", "reports/fonts/DejaVuSansCondensed.ttf", "locale", "pages/static"):
        assert (ROOT / needed).exists() and not ignored(needed, patterns), needed
    for left in (".venv/bin/python", "tests/conftest.py", "var/postgres", ".git", "bench/run.sh",
                 "backend/__pycache__/x.pyc"):
        assert ignored(left, patterns), left


def test_the_runtime_pins_are_the_locks_without_the_dev_tools(runtime_pins):
    lock = (ROOT / "requirements.lock").read_text()
    pins = runtime_pins.read_text()
    assert set(pins.splitlines()) <= set(lock.splitlines())  # the same versions as the suite runs
    assert RUNTIME <= names(pins), RUNTIME - names(pins)
    assert not DEV_ONLY & names(pins), DEV_ONLY & names(pins)


def run_in_image(runtime_pins, env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "tests/deploy/only_runtime.py", str(runtime_pins), *args], cwd=ROOT,
                          env={"PATH": os.environ["PATH"], "HOME": "/tmp", **env}, capture_output=True, text=True,
                          timeout=300)


def test_collectstatic_runs_as_the_image_runs_it_with_only_the_runtime_pins(runtime_pins, tmp_path):
    instructions = dockerfile()
    [collect] = [i.args for i in instructions if i.stage == 1 and i.name == "RUN" and "collectstatic" in i.args]
    command = collect.split("&&")[0]
    words = shlex.split(command)
    prefix = dict(w.split("=", 1) for w in words if re.fullmatch(r"[A-Z_]+=.*", w))
    argv = [w for w in words if not re.fullmatch(r"[A-Z_]+=.*", w)]
    assert argv[:2] == ["python", "manage.py"]
    env = {**env_of(instructions, 1), **prefix, "TOUCHPOINT_VAR_DIR": str(tmp_path / "var")}
    env.pop("PATH")
    done = run_in_image(runtime_pins, env, *argv[1:])
    assert done.returncode == 0, done.stderr
    static = tmp_path / "var" / "static"
    assert (static / "staticfiles.json").exists() or any(static.rglob("*.gz"))  # collected and compressed
    assert any(static.rglob("htmx*.js"))
    # The blocking is real: a dev tool cannot be imported there.
    (tmp_path / "imports.py").write_text("import moto\n")
    refused = run_in_image(runtime_pins, {}, str(tmp_path / "imports.py"))
    assert refused.returncode != 0 and "not installed in the image" in refused.stderr


# --- compose ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def compose():
    raw = yaml.safe_load((INFRA / "compose.yaml").read_text())
    with pytest.raises(KeyError, match="SECRET_KEY"):
        interpolate(raw, {})  # no default for the secret
    return interpolate(raw, {"SECRET_KEY": "s" * 60})


APP_SERVICES = ("migrate", "api", "worker-1", "worker-2", "beat")


def test_compose_has_every_process_and_service(compose):
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "minio", "createbucket", *APP_SERVICES}
    assert services["redis"]["command"][services["redis"]["command"].index("--appendonly") + 1] == "yes"
    for name in APP_SERVICES:
        service = services[name]
        assert service["image"] == "touchpoint:local" and service["build"]["dockerfile"] == "infra/Dockerfile"
        assert check_command(service["command"]) == [], name
        for needed in service.get("depends_on", {}):
            assert needed in services
    assert services["migrate"]["restart"] == "no" and services["migrate"]["command"][2] == "migrate"
    assert services["createbucket"]["restart"] == "no"
    for name in ("api", "worker-1", "worker-2", "beat"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert sum(1 for s in services.values() if "beat" in s.get("command", [])) == 1
    assert check_command(services["api"]["healthcheck"]["test"][1:]) == []
    for name in ("worker-1", "worker-2"):
        probe = shlex.split(services[name]["healthcheck"]["test"][1])
        assert probe[:5] == ["celery", "-A", "backend", "inspect", "ping"] and check_command(probe) == []
        assert f"{name}@" in services[name]["command"][-1]


def test_compose_settings_name_the_services_and_the_projects_variables(compose):
    services = compose["services"]
    env = services["api"]["environment"]
    assert set(env) <= variables_read(), set(env) - variables_read()
    assert urlsplit(env["DATABASE_URL"]).hostname == "postgres"
    assert urlsplit(env["CELERY_BROKER_URL"]).hostname == "redis"
    assert urlsplit(env["S3_ENDPOINT_URL"]).hostname == "minio"
    assert f"local/{env['S3_BUCKET']}" in services["createbucket"]["entrypoint"][-1]
    postgres = services["postgres"]["environment"]
    assert env["DATABASE_URL"] == (f"postgres://{postgres['POSTGRES_USER']}:{postgres['POSTGRES_PASSWORD']}"
                                   f"@postgres:5432/{postgres['POSTGRES_DB']}")
    assert env["S3_SECRET_ACCESS_KEY"] == services["minio"]["environment"]["MINIO_ROOT_PASSWORD"]
    for name in ("worker-1", "worker-2"):
        assert set(services[name]["environment"]) <= variables_read()


def test_the_image_healthcheck_asks_a_real_address():
    path = re.search(r"/health/\w+", (INFRA / "healthcheck.py").read_text()).group(0)
    assert resolve(path).url_name == "health-live"


# --- Helm ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def manifests():
    docs = Chart(INFRA / "helm" / "touchpoint").documents()
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}


def containers(manifest) -> list[dict]:
    return manifest["spec"]["template"]["spec"]["containers"]


def test_the_chart_renders_every_part(manifests):
    assert set(manifests) == {
        ("Deployment", "touchpoint-api"), ("Service", "touchpoint-api"),
        ("HorizontalPodAutoscaler", "touchpoint-api"), ("Deployment", "touchpoint-worker"),
        ("Deployment", "touchpoint-beat"), ("Job", "touchpoint-migrate"), ("ConfigMap", "touchpoint"),
        ("ConfigMap", "touchpoint-migrate"), ("Secret", "touchpoint"), ("Secret", "touchpoint-migrate")}
    beat = manifests[("Deployment", "touchpoint-beat")]["spec"]
    assert beat["replicas"] == 1 and beat["strategy"] == {"type": "Recreate"}
    hpa = manifests[("HorizontalPodAutoscaler", "touchpoint-api")]["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "touchpoint-api"}
    job = manifests[("Job", "touchpoint-migrate")]
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    # The Job's settings exist before it: hooks of a lower weight.
    for ref in containers(job)[0]["envFrom"]:
        kind, name = ("ConfigMap", ref["configMapRef"]["name"]) if "configMapRef" in ref else \
            ("Secret", ref["secretRef"]["name"])
        hook = manifests[(kind, name)]["metadata"]["annotations"]
        assert "pre-install" in hook["helm.sh/hook"]
        assert int(hook["helm.sh/hook-weight"]) < int(job["metadata"]["annotations"]["helm.sh/hook-weight"])


def test_every_container_runs_a_real_command_with_requests_and_no_root(manifests):
    for (kind, name), manifest in manifests.items():
        if kind not in ("Deployment", "Job"):
            continue
        pod = manifest["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        for container in pod["containers"]:
            assert check_command(container["command"]) == [], name
            assert {"cpu", "memory"} <= set(container["resources"]["requests"]), name
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
            assert {e["name"] for e in container.get("env", [])} <= variables_read()
            refs = [r.get("configMapRef", r.get("secretRef"))["name"] for r in container["envFrom"]]
            assert all(any(n == ref for _, n in manifests) for ref in refs), refs


def test_the_probes_ask_real_addresses_on_the_served_port(manifests):
    api = manifests[("Deployment", "touchpoint-api")]
    [container] = containers(api)
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    port_env = {e["name"]: e["value"] for e in container["env"]}["PORT"]
    assert ports["http"] == int(port_env)
    for probe, url_name in (("readinessProbe", "health-ready"), ("livenessProbe", "health-live")):
        get = container[probe]["httpGet"]
        assert resolve(get["path"]).url_name == url_name and get["port"] in ports
    service = manifests[("Service", "touchpoint-api")]["spec"]
    labels = api["spec"]["template"]["metadata"]["labels"]
    assert service["selector"].items() <= labels.items()
    assert service["ports"][0]["targetPort"] in ports
    assert resolve(api["spec"]["template"]["metadata"]["annotations"]["prometheus.io/path"]).url_name == \
        "prometheus-metrics"
    [worker] = containers(manifests[("Deployment", "touchpoint-worker")])
    worker_ports = {p["name"]: p["containerPort"] for p in worker["ports"]}
    assert worker["livenessProbe"]["tcpSocket"]["port"] in worker_ports
    assert {e["name"]: e["value"] for e in worker["env"]}["METRICS_PORT"] == str(worker_ports["metrics"])


def test_the_charts_settings_are_the_projects_and_pass_the_deploy_checks(manifests, runtime_pins, tmp_path):
    config = manifests[("ConfigMap", "touchpoint")]["data"]
    secret = manifests[("Secret", "touchpoint")]["stringData"]
    assert set(config) | set(secret) <= variables_read(), (set(config) | set(secret)) - variables_read()
    assert all(value == "" for value in secret.values())  # no secret has a default
    # An existing Secret of the operator's replaces the chart's.
    own = {(d["kind"], d["metadata"]["name"]) for d in Chart(INFRA / "helm" / "touchpoint",
                                                             {"existingSecret": "mine"}).documents()}
    assert not any(kind == "Secret" for kind, _ in own)
    filled = {**config, **secret, "SECRET_KEY": secrets.token_urlsafe(50),
              "DATABASE_URL": "postgres://touchpoint:pw@db.internal:5432/touchpoint",
              "CELERY_BROKER_URL": "redis://redis.internal:6379/0", "CACHE_URL": "redis://redis.internal:6379/1",
              "METRICS_TOKEN": secrets.token_urlsafe(20), **signing_pems()}
    image_env = {k: v for k, v in env_of(dockerfile(), 1).items() if k != "PATH"}
    done = run_in_image(runtime_pins, {**image_env, **filled, "TOUCHPOINT_VAR_DIR": str(tmp_path / "var")},
                        "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0, done.stdout + done.stderr
