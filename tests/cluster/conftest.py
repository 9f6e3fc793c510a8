"""One cluster (cluster/local.py) for the whole session, with the tests' data in it."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cluster.local import Cluster, ClusterError
from tests.cluster.visitor import Visitor

SEED = Path(__file__).resolve().with_name("seed.py")


@pytest.fixture(scope="session")
def cluster(request: pytest.FixtureRequest) -> Iterator[Cluster]:
    # Under /tmp, not pytest's private tmp_path: as root, PostgreSQL runs as the postgres
    # user and nginx's workers as nobody, who must both reach their folders.
    workdir = Path(tempfile.mkdtemp(prefix="delaktig-cluster-", dir="/tmp"))
    # Two task workers: the follower's email must still go out once.
    running = Cluster(workdir, app_servers=2, web_workers=1, task_workers=2, demo=False)
    failure = None
    try:
        running.start()
    except ClusterError as error:
        failure = f"the cluster did not start (logs in {workdir}):\n{error}"
    if failure:
        pytest.fail(failure, pytrace=False)
    yield running
    running.stop()
    if request.session.testsfailed:
        print(f"\ncluster logs kept in {running.logdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def data(cluster: Cluster) -> dict:
    """A staff superuser, a follower of a series, and an approved, unpublished meeting."""
    output = cluster.manage("shell", "-c", SEED.read_text())
    return json.loads(output.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def public_host(cluster: Cluster) -> str:
    return f"127.0.0.1:{cluster.port}"


@pytest.fixture(scope="session")
def via_proxy(cluster: Cluster, public_host: str) -> Callable[..., Visitor]:
    """A new visitor going through nginx: ``via_proxy(source="127.0.0.2")``."""

    def visitor(**options: str) -> Visitor:
        return Visitor(cluster.port, public_host, **options)

    return visitor


@pytest.fixture(scope="session")
def via_app_server(cluster: Cluster, public_host: str) -> Callable[..., Visitor]:
    """A new visitor talking straight to app server 1 or 2, under the public Host."""

    def visitor(number: int, **options: str) -> Visitor:
        return Visitor(cluster.app_ports[number - 1], public_host, **options)

    return visitor
