"""The production docker-compose.yml, Dockerfile, .env.example and the proxy configurations
agree with the settings and with each other.

There is no Docker engine in CI, so these read the files instead of running them.
"""

from __future__ import annotations

import ast
import ipaddress
import re
from pathlib import Path

import yaml

from cluster.local import Cluster

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_DIR = ROOT / "config" / "settings"
DEPLOY_NGINX = ROOT / "deploy" / "nginx.conf"


def load_compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def as_dict(environment: dict | list | None) -> dict[str, str]:
    """Compose accepts `environment` as a mapping or as a list of KEY=VALUE."""
    if isinstance(environment, list):
        return dict(item.split("=", 1) for item in environment)
    return {key: str(value) for key, value in (environment or {}).items()}


def web_command() -> str:
    command = load_compose()["services"]["web"]["command"]
    return command if isinstance(command, str) else " ".join(command)


def env_reads(path: Path) -> dict[str, bool]:
    """Variables read via `env(...)`, `env.<type>(...)` or `env_<helper>(...)` with a literal
    name, mapped to whether a default is given."""
    reads: dict[str, bool] = {}
    for node in ast.walk(ast.parse(path.read_text())):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        func = node.func
        target = func.value if isinstance(func, ast.Attribute) else func
        name = node.args[0]
        if (
            isinstance(target, ast.Name)
            and (target.id == "env" or target.id.startswith("env_"))
            and isinstance(name, ast.Constant)
        ):
            reads[name.value] = any(kw.arg == "default" for kw in node.keywords)
    return reads


def production_requires() -> set[str]:
    reads = env_reads(SETTINGS_DIR / "production.py")
    required = {name for name, has_default in reads.items() if not has_default}
    # Also the database: base.py's SQLite default is no good in production.
    return required | {"DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL"}


def env_example_names() -> set[str]:
    lines = (ROOT / ".env.example").read_text().splitlines()
    return {line.split("=", 1)[0] for line in lines if line and not line.startswith("#")}


DJANGO_SERVICES = ("web", "migrate", "worker")


def test_compose_file_defines_the_proxy_web_worker_backup_redis_and_db() -> None:
    # migrate is a one-off job that runs before the others.
    assert set(load_compose()["services"]) == {
        "proxy",
        "web",
        "migrate",
        "worker",
        "backup",
        "redis",
        "db",
    }


def test_the_backup_service_writes_a_set_every_night_into_its_own_volume() -> None:
    compose = load_compose()
    backup = compose["services"]["backup"]
    assert "manage.py backup --daily-at 02:30" in backup["command"]
    assert backup["restart"] == "unless-stopped"
    assert backup["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    environment = as_dict(backup["environment"])
    assert environment["DELAKTIG_BACKUP_DIR"] == "/app/backups"
    assert "backups:/app/backups" in backup["volumes"]
    assert "media:/app/media:ro" in backup["volumes"]  # the uploads, read only
    assert "backups" in compose["volumes"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "postgresql-client" in dockerfile and "gnupg" in dockerfile
    assert "chmod 700 /app/backups" in dockerfile


def test_web_runs_two_replicas_of_gunicorn_that_only_the_proxy_reaches() -> None:
    services = load_compose()["services"]
    web = services["web"]
    assert web["deploy"]["replicas"] == 2
    assert "gunicorn config.wsgi:application" in web_command()
    assert "--bind 0.0.0.0:8000" in web_command()
    assert "migrate" not in web_command()  # replicas migrating at once would race
    assert [name for name, service in services.items() if "ports" in service] == ["proxy"]


def test_migrations_run_once_before_web_and_worker_start() -> None:
    services = load_compose()["services"]
    migrate = services["migrate"]
    assert "manage.py migrate --noinput" in str(migrate["command"])
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"
    for name in ("web", "worker"):
        dependencies = services[name]["depends_on"]
        assert dependencies["migrate"]["condition"] == "service_completed_successfully"
        assert dependencies["db"]["condition"] == "service_healthy"
        assert dependencies["redis"]["condition"] == "service_healthy"


def test_worker_runs_the_restartable_worker_with_the_same_image_and_environment_as_web() -> None:
    services = load_compose()["services"]
    web, worker = services["web"], services["worker"]
    command = worker["command"]
    command = command if isinstance(command, str) else " ".join(command)
    # operations' worker, with an id that a new container keeps: started again, it puts
    # back the task it was running when it died.
    assert "manage.py worker --worker-id worker" in command
    assert "migrate" not in command
    assert worker["build"] == web["build"]
    assert worker["env_file"] == web["env_file"]
    assert as_dict(worker["environment"]) == as_dict(web["environment"])
    assert worker["restart"] == "unless-stopped"
    assert "ports" not in worker


def test_every_django_service_uses_production_settings_postgres_and_the_shared_cache() -> None:
    services = load_compose()["services"]
    for name in DJANGO_SERVICES:
        environment = as_dict(services[name]["environment"])
        assert environment["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert "@db:5432/" in environment["DATABASE_URL"]
        assert environment["DJANGO_CACHE_URL"] == "redis://redis:6379/0"
        assert services[name]["build"] == "."


def test_the_app_believes_x_forwarded_for_only_from_the_private_compose_network() -> None:
    environment = as_dict(load_compose()["services"]["web"]["environment"])
    assert environment["DJANGO_TRUSTED_PROXY_COUNT"] == "1"
    networks = [ipaddress.ip_network(n) for n in environment["DJANGO_TRUSTED_PROXIES"].split(",")]
    assert networks and all(network.is_private for network in networks)
    assert not any(network.prefixlen == 0 for network in networks)


def test_uploads_live_on_one_volume_that_every_replica_and_the_worker_share() -> None:
    compose = load_compose()
    services = compose["services"]
    media_root = as_dict(services["web"]["environment"])["DJANGO_MEDIA_ROOT"]
    for name in DJANGO_SERVICES:
        assert f"media:{media_root}" in services[name]["volumes"]
    assert "media" in compose["volumes"]


def test_redis_is_a_cache_that_keeps_nothing() -> None:
    redis = load_compose()["services"]["redis"]
    assert redis["image"].startswith("redis:7")
    command = " ".join(redis["command"])
    assert "--save " in command and "--appendonly no" in command
    assert "ping" in str(redis["healthcheck"]["test"])
    assert "ports" not in redis


def test_db_is_postgres_15_with_a_volume_and_healthcheck() -> None:
    db = load_compose()["services"]["db"]
    assert db["image"].startswith("postgres:15")
    assert db["volumes"]
    assert "pg_isready" in str(db["healthcheck"]["test"])
    assert {"POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD"} <= set(as_dict(db["environment"]))
    assert "ports" not in db


def test_the_proxy_is_nginx_with_the_deploy_config_and_tls() -> None:
    proxy = load_compose()["services"]["proxy"]
    assert proxy["image"].startswith("nginx:")
    assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in proxy["volumes"]
    assert any(volume.endswith(":/etc/nginx/certs:ro") for volume in proxy["volumes"])
    assert {"80:80", "443:443"} == set(proxy["ports"])
    config = DEPLOY_NGINX.read_text()
    assert "server web:8000;" in config
    assert "listen 443 ssl;" in config
    assert "return 301 https://" in config


def proxy_headers(config: str) -> dict[str, str]:
    return dict(re.findall(r"proxy_set_header\s+(\S+)\s+([^;]+);", config))


def test_the_cluster_proxy_and_the_deploy_proxy_send_the_app_the_same_headers() -> None:
    cluster = Cluster(Path("/nonexistent"))
    cluster.app_ports = [8001, 8002]
    local = cluster.nginx_config(8000)
    deployed = DEPLOY_NGINX.read_text()
    expected = {
        "Host": "$http_host",
        "X-Forwarded-For": "$proxy_add_x_forwarded_for",
        "X-Forwarded-Proto": "$scheme",
    }
    assert proxy_headers(local) == proxy_headers(deployed) == expected
    for config in (local, deployed):
        assert "client_max_body_size 12m;" in config
    # The local one: every app server behind it, every placeholder filled in.
    assert "server 127.0.0.1:8001;" in local and "server 127.0.0.1:8002;" in local
    assert "listen 127.0.0.1:8000;" in local
    assert "daemon off;" in local
    assert not re.search(r"@\w+@", local)


def test_every_variable_production_requires_is_provided() -> None:
    web = load_compose()["services"]["web"]
    assert web["env_file"] in (".env", [".env"])
    # .env is not committed; .env.example is its template.
    provided = set(as_dict(web["environment"])) | env_example_names()
    assert production_requires() - provided == set()


def test_env_example_documents_every_variable_the_settings_read() -> None:
    read = {"DJANGO_SETTINGS_MODULE"}
    for path in SETTINGS_DIR.glob("*.py"):
        read |= set(env_reads(path))
    assert read - env_example_names() == set()
    lines = (ROOT / ".env.example").read_text().splitlines()
    for index, line in enumerate(lines):
        if line and not line.startswith("#"):
            assert lines[index - 1].startswith("#"), f"no comment above {line!r}"


def test_dockerfile_collects_static_files_and_drops_root() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in dockerfile
    assert "collectstatic --noinput" in dockerfile
    user_lines = [line for line in dockerfile.splitlines() if line.startswith("USER ")]
    assert user_lines and user_lines[-1].split()[1] not in ("root", "0")


def test_build_time_collectstatic_gets_every_required_variable() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    (run,) = [line for line in dockerfile.splitlines() if "collectstatic" in line]
    assigned = {word.split("=", 1)[0] for word in run.split() if "=" in word}
    assert production_requires() - assigned == set()
