"""The production docker-compose.yml, Dockerfile and .env.example agree with the settings.

There is no Docker engine in CI, so these read the files instead of running them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_DIR = ROOT / "config" / "settings"


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


def test_compose_file_defines_db_web_and_worker() -> None:
    assert set(load_compose()["services"]) == {"db", "web", "worker"}


def test_worker_runs_db_worker_with_the_same_image_and_environment_as_web() -> None:
    services = load_compose()["services"]
    web, worker = services["web"], services["worker"]
    command = worker["command"]
    command = command if isinstance(command, str) else " ".join(command)
    assert "manage.py db_worker" in command
    assert "migrate" not in command  # web migrates; two migrating services would race
    assert worker["build"] == web["build"]
    assert worker["env_file"] == web["env_file"]
    assert as_dict(worker["environment"]) == as_dict(web["environment"])
    assert worker["depends_on"]["db"]["condition"] == "service_healthy"
    assert worker["restart"] == "unless-stopped"
    assert "ports" not in worker


def test_db_is_postgres_15_with_a_volume_and_healthcheck() -> None:
    db = load_compose()["services"]["db"]
    assert db["image"].startswith("postgres:15")
    assert db["volumes"]
    assert "pg_isready" in str(db["healthcheck"]["test"])
    assert {"POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD"} <= set(as_dict(db["environment"]))


def test_web_runs_migrations_then_gunicorn() -> None:
    command = web_command()
    assert "manage.py migrate --noinput" in command
    assert "gunicorn config.wsgi:application" in command
    assert command.index("migrate") < command.index("gunicorn")
    assert "--bind 0.0.0.0:8000" in command


def test_web_uses_production_settings_and_the_db_service() -> None:
    web = load_compose()["services"]["web"]
    environment = as_dict(web["environment"])
    assert environment["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    assert environment["DATABASE_URL"].startswith("postgres://")
    assert "@db:5432/" in environment["DATABASE_URL"]
    assert web["depends_on"]["db"]["condition"] == "service_healthy"
    assert any(str(port).endswith("8000:8000") for port in web["ports"])


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
