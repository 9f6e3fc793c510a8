"""A site in its own processes for backup and restore drills: its own database and media.

Each ``Site`` runs ``manage.py`` in a subprocess with its own ``DATABASE_URL`` and media
folder, and all sites of a test share one backup folder. On the PostgreSQL pass (the
harness sets ``DATABASE_URL``) each site gets a fresh database on the test cluster; on
the SQLite pass, a database file. Nothing is mocked: these are the commands an operator
runs.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
PAGES_SCRIPT = Path(__file__).with_name("drill_pages.py")
SECRET = "drill-" + "k" * 60


def new_database_url(folder: Path, name: str) -> str:
    """A fresh, empty database of the pass's kind."""
    harness_url = os.environ.get("DATABASE_URL", "")
    if not harness_url.startswith("postgres"):
        return f"sqlite:///{folder / f'{name}.sqlite3'}"
    import psycopg

    database = f"drill_{name.replace('-', '_')}_{secrets.token_hex(4)}"
    parts = urlsplit(harness_url)
    with psycopg.connect(
        urlunsplit(parts._replace(path="/postgres")), autocommit=True, connect_timeout=10
    ) as conn:
        conn.execute(f"CREATE DATABASE {database}")
    return urlunsplit(parts._replace(path=f"/{database}"))


def clean_environment() -> dict[str, str]:
    """This process's environment without the settings the test run itself was given."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DELAKTIG_", "DATABASE_URL"))
    }


@dataclass
class Site:
    folder: Path
    name: str
    backups: Path
    extra_env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.media = self.folder / f"{self.name}-media"
        self.media.mkdir(parents=True, exist_ok=True)
        self.database_url = new_database_url(self.folder, self.name)

    @property
    def env(self) -> dict[str, str]:
        env = clean_environment()
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings.local",
            DJANGO_DEBUG="1",  # static files from the finders; no collectstatic
            DJANGO_SECRET_KEY=SECRET,
            DJANGO_EMAIL_URL="dummymail://",
            DATABASE_URL=self.database_url,
            DJANGO_MEDIA_ROOT=str(self.media),
            DELAKTIG_BACKUP_DIR=str(self.backups),
            PYTHONPATH=str(ROOT),
        )
        env.update(self.extra_env)
        return env

    def run(self, argv: list[str], *, check: bool = True, timeout: int = 600):
        """Run ``argv`` with this site's environment; with ``check``, fail on an error."""
        result = subprocess.run(
            argv, cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"{' '.join(argv[1:])} failed ({result.returncode}):\n"
                f"{result.stdout}\n{result.stderr}"
            )
        return result

    def manage(self, *args: str, check: bool = True, timeout: int = 600):
        return self.run([sys.executable, "manage.py", *args], check=check, timeout=timeout)

    def python(self, *args: str, timeout: int = 600) -> str:
        return self.run([sys.executable, *args], timeout=timeout).stdout

    def shell(self, code: str) -> str:
        return self.manage("shell", "-v0", "-c", code).stdout

    def pages(self) -> dict[str, str]:
        """The public pages the drill compares, as the site serves them now."""
        return json.loads(self.python(str(PAGES_SCRIPT), "pages"))

    def counts(self) -> dict[str, int]:
        return json.loads(self.python(str(PAGES_SCRIPT), "counts"))

    def media_files(self) -> dict[str, bytes]:
        return {
            str(path.relative_to(self.media)): path.read_bytes()
            for path in sorted(self.media.rglob("*"))
            if path.is_file()
        }

    def set_names(self) -> set[str]:
        return {path.name for path in self.backups.iterdir()} if self.backups.exists() else set()

    def backup(self, *args: str) -> str:
        """Make a set; returns its name."""
        before = self.set_names()
        output = self.manage("backup", *args).stdout
        made = self.set_names() - before
        assert len(made) == 1, output
        return made.pop()


# Uploaded documents: binary, non-ASCII in name and text, and empty.
UPLOADS = {
    "protokollbilaga.pdf": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 40 + b"%%EOF\n",
    "m\u00f6tesanteckningar.txt": "Anteckningar från mötet, åäö.\n".encode() * 200,
    "tom.txt": b"",
}

ADD_UPLOADS = """
from django.core.files.base import ContentFile
from projects.models import GroupNote, WorkingGroup
uploads = {uploads!r}
groups = list(WorkingGroup.objects.order_by("pk")[:3])
for number, (name, body) in enumerate(uploads.items()):
    note = GroupNote(working_group=groups[number % len(groups)], title=f"Bilaga {{number}}", body="")
    note.attachment.save(name, ContentFile(body), save=False)
    note.save()
    print(note.attachment.name)
"""


def add_uploads(site: Site) -> list[str]:
    """Store documents on group notes, as members' uploads are stored."""
    return site.shell(ADD_UPLOADS.format(uploads=UPLOADS)).split()
