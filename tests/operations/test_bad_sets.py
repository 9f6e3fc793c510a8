"""Bad sets are refused with a clear message, and the site is left exactly as it was.

Each case restores with ``--force`` into a site that holds data: even then, nothing is
replaced and no safety backup is taken, because every check comes before any change.
Encrypted sets use real GPG keys made for the test.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from operations.backup import manifest_digest
from tests.operations.drill import Site, add_uploads


def make_key(home, email: str) -> None:
    home.mkdir(mode=0o700)
    subprocess.run(
        [
            shutil.which("gpg"),
            "--batch",
            "--homedir",
            str(home),
            "--passphrase",
            "",
            "--quick-gen-key",
        ]
        + [f"Delaktig backup <{email}>", "future-default", "default", "never"],
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gpg")
    homes = {"right": folder / "right", "wrong": folder / "wrong"}
    for name, home in homes.items():
        make_key(home, f"{name}@example.org")
    yield homes
    for home in homes.values():
        subprocess.run(
            [shutil.which("gpgconf"), "--homedir", str(home), "--kill", "all"], check=False
        )


@pytest.fixture(scope="module")
def site(tmp_path_factory, keys):
    folder = tmp_path_factory.mktemp("bad-sets")
    site = Site(folder, "site", folder / "backups")
    site.manage("migrate", "-v0")
    site.manage("load_demo")
    add_uploads(site)
    site.plain_set = site.backup()
    site.extra_env = {
        "GNUPGHOME": str(keys["right"]),
        "DELAKTIG_BACKUP_GPG_RECIPIENT": "right@example.org",
    }
    site.sealed_set = site.backup("--no-retention")  # both sets are of today
    site.extra_env = {}
    site.baseline = site.counts()  # what every refusal must leave as it is
    return site


def copy_set(site: Site, name: str, time: str) -> tuple[str, object]:
    """A copy of a set under another (valid) set name, to damage."""
    copy = f"delaktig-{time}"
    shutil.copytree(site.backups / name, site.backups / copy)
    return copy, site.backups / copy


def rewrite_manifest(folder, change) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    change(manifest)
    manifest["sha256"] = manifest_digest(manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest))


def part(folder, which: str):
    manifest = json.loads((folder / "manifest.json").read_text())
    return folder / manifest["parts"][which]["file"]


def assert_refused(site: Site, name: str, *messages: str, env=None) -> None:
    media, sets = site.media_files(), site.set_names()
    site.extra_env = env or {}
    try:
        refused = site.manage("restore", name, "--force", check=False)
    finally:
        site.extra_env = {}
    assert refused.returncode == 1, refused.stdout
    assert "Inget återställdes och inget ändrades" in refused.stderr
    for message in messages:
        assert message in refused.stderr
    assert "Traceback" not in refused.stderr
    assert site.counts() == site.baseline
    assert site.media_files() == media
    assert site.set_names() == sets  # no safety backup was taken either


def flip_byte(path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("which", ["database", "media"])
def test_one_byte_flipped_in_a_part_is_refused(site, which):
    name, folder = copy_set(site, site.plain_set, f"2020010{1 if which == 'media' else 2}T000000Z")
    target = part(folder, which)
    flip_byte(target, target.stat().st_size // 2)
    assert_refused(site, name, "stämmer inte med sin kontrollsumma", target.name)


def test_one_byte_flipped_in_the_manifest_is_refused(site):
    name, folder = copy_set(site, site.plain_set, "20200103T000000Z")
    manifest = folder / "manifest.json"
    body = manifest.read_text()
    # A digit of a row count: still valid JSON, but no longer what was backed up.
    position = body.index('"meetings.meeting": ') + len('"meetings.meeting": ')
    digit = body[position]
    manifest.write_text(body[:position] + str((int(digit) + 1) % 10) + body[position + 1 :])
    assert_refused(site, name, "Manifestet i", "är skadat")


def test_a_truncated_set_is_refused(site):
    name, folder = copy_set(site, site.plain_set, "20200104T000000Z")
    target = part(folder, "database")
    target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    assert_refused(site, name, "avkortad eller skadad")


def test_a_set_from_a_newer_version_is_refused(site):
    name, folder = copy_set(site, site.plain_set, "20200105T000000Z")
    rewrite_manifest(folder, lambda manifest: manifest.update(delaktig_version="99.0.0"))
    assert_refused(site, name, "Delaktig 99.0.0", "nyare", "Uppgradera Delaktig först")


def test_a_set_with_migrations_this_code_lacks_is_refused(site):
    name, folder = copy_set(site, site.plain_set, "20200106T000000Z")
    rewrite_manifest(folder, lambda manifest: manifest["migrations"].append("meetings.9999_later"))
    assert_refused(site, name, "meetings.9999_later", "nyare Delaktig")


@pytest.mark.parametrize("which", ["database", "media"])
def test_a_missing_part_is_refused(site, which):
    name, folder = copy_set(site, site.plain_set, f"2020010{7 if which == 'media' else 8}T000000Z")
    missing = part(folder, which)
    missing.unlink()
    assert_refused(site, name, f"Delen {missing.name} saknas")


def test_a_set_without_its_manifest_is_refused_as_unfinished(site):
    name, folder = copy_set(site, site.plain_set, "20200109T000000Z")
    (folder / "manifest.json").unlink()
    assert_refused(site, name, "saknar manifest")


def test_an_unknown_set_is_refused(site):
    assert_refused(site, "delaktig-20000101T000000Z", "Det finns ingen säkerhetskopia")


def test_an_encrypted_set_holds_no_readable_part(site):
    folder = site.backups / site.sealed_set
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["encrypted"] is True
    for entry in manifest["parts"].values():
        assert entry["file"].endswith(".gpg")
        sealed = (folder / entry["file"]).read_bytes()
        assert b"SQLite format" not in sealed and b"Bara" not in sealed


def test_the_wrong_decryption_key_is_refused(site, keys):
    assert_refused(
        site, site.sealed_set, "kunde inte dekrypteras", env={"GNUPGHOME": str(keys["wrong"])}
    )


def test_the_right_key_restores_the_encrypted_set(site, keys, tmp_path):
    target = Site(tmp_path, "target", site.backups, {"GNUPGHOME": str(keys["right"])})
    restored = target.manage("restore", site.sealed_set)
    assert "Varje modell stämmer med manifestet" in restored.stdout
    assert target.media_files() == site.media_files()
    counts, expected = target.counts(), site.baseline
    for label in ("meetings.meeting", "people.person", "projects.groupnote"):
        assert counts[label] == expected[label]


def test_a_media_folder_that_cannot_be_read_is_refused_before_anything_changes(site, tmp_path):
    target = Site(tmp_path, "no-media", site.backups)
    target.manage("migrate", "-v0")
    target.media.rmdir()
    target.media.write_text("a file where the media folder should be")
    refused = target.manage("restore", site.plain_set, check=False)
    assert refused.returncode == 1
    assert "Inget återställdes och inget ändrades" in refused.stderr
    assert "Mediemappen kan inte läsas" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert target.counts()["meetings.meeting"] == 0
