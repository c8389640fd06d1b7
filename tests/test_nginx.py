"""Issues 3 and 12: the generated nginx include answers 301 for every old URL (real nginx).

nginx runs as it does on a server: a master process and a worker as an
unprivileged user (`nobody` when the tests run as root), serving a copy of the
session's build in a folder that user may read.
"""
from __future__ import annotations

import http.client
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from conftest import HOST_TALLIES, SITES, built_by, engine_ports
from host_urls import canonical_cases, old_url_cases, walk
from test_redirects_http import FORMS, MOVES

pytestmark = pytest.mark.slow  # Debian's nginx

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@pytest.fixture(scope="module", params=["mkdocs", "zensical"])
def built(request: pytest.FixtureRequest) -> Path:
    """The session's production build, by each engine: the hosts answer both alike."""
    return built_by(request)


@pytest.fixture(scope="module")
def nginx(built: Path, tmp_path_factory: pytest.TempPathFactory):
    if not Path(NGINX).exists():
        pytest.fail("nginx is not installed; scripts/test installs it (Debian package nginx-light)")
    prefix = tmp_path_factory.mktemp("nginx")
    # pytest's temporary folders are private to their owner: the worker could not read
    # them. The copy keeps the build's own modes, so unreadable output still fails.
    public = Path(tempfile.mkdtemp(prefix="specsites-nginx-"))
    public.chmod(0o755)
    for site in SITES:
        shutil.copytree(built / site, public / site)
    port = engine_ports()
    servers = "\n".join(
        f"server {{ listen 127.0.0.1:{port}; server_name {host}; root {public / site};"
        f" include {public / site / 'nginx-redirects.conf'}; }}"
        for site, host in SITES.items()
    )
    user = "user nobody nogroup;" if os.geteuid() == 0 else ""  # as a root-started server drops to
    (prefix / "nginx.conf").write_text(
        f"daemon off; {user} worker_processes 1; pid {prefix}/nginx.pid; error_log {prefix}/error.log;\n"
        f"events {{ worker_connections 64; }}\n"
        f"http {{ access_log off; client_body_temp_path {prefix}; proxy_temp_path {prefix}; fastcgi_temp_path {prefix};"
        f" uwsgi_temp_path {prefix}; scgi_temp_path {prefix};\n{servers}\n}}\n"
    )
    process = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf")], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            assert process.poll() is None, process.stderr.read().decode()
            time.sleep(0.05)
    if user:  # the workers really dropped to nobody: they are the ones reading the files
        nobody = str(pwd.getpwnam("nobody").pw_uid)
        deadline = time.monotonic() + 30  # a worker is root from its fork until it drops
        while True:
            workers = [stat for stat in Path("/proc").glob("[0-9]*/status") if _field(stat, "PPid") == str(process.pid)]
            uids = [_field(stat, "Uid").split()[:1] for stat in workers]
            if (uids and all(uid == [nobody] for uid in uids)) or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert uids and all(uid == [nobody] for uid in uids), uids
    yield port
    process.terminate()
    process.wait(timeout=10)
    shutil.rmtree(public)


def _field(status: Path, name: str) -> str:
    try:
        lines = status.read_text().splitlines()
    except OSError:
        return ""  # the process ended meanwhile
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith(name + ":")), "")


def _get(port: int, host: str, path: str) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request("GET", path, headers={"Host": host})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


@pytest.mark.parametrize("old", MOVES)
def test_nginx_answers_301_for_every_old_url_form(nginx: int, old: str) -> None:
    for form in FORMS:
        for query in ("", "?from=mail"):
            response = _get(nginx, "customerdata.carbondataspec.org", "/" + form.format(old) + query)
            assert response.status == 301, (form, response.status)
            location = response.getheader("Location")
            expected = MOVES[old]
            if expected.startswith("https://customerdata"):  # same-site: nginx makes it absolute on this server
                assert location == f"http://customerdata.carbondataspec.org:{nginx}/" + expected.split("/", 3)[3] + query
            else:
                assert location == expected + query


def test_nginx_still_serves_real_pages(nginx: int) -> None:
    assert _get(nginx, "connectivity.carbondataspec.org", "/specs/cdsc-wg1-01/").status == 200
    assert _get(nginx, "customerdata.carbondataspec.org", "/use-cases.html").status == 200


def test_nginx_lands_every_url(nginx: int, built: Path) -> None:
    """Every old URL form gets a 301 and lands; no canonical URL is taken by an alias."""
    servers = {site: ("127.0.0.1", nginx) for site in SITES}
    old, canonical = walk(old_url_cases(built.parent), servers), walk(canonical_cases(built), servers)
    HOST_TALLIES.extend([old.line("nginx", "old URL forms"), canonical.line("nginx", "canonical URLs")])
    assert not old.failures, old.failures[:10]
    assert not canonical.failures, canonical.failures[:10]
    assert old.requested >= 6 * 4 * 3 and old.first_301 == old.requested
    # /x of a page x.html gets nginx's own 301 to the folder /x/ (no try_files here),
    # whose alias page lands on /x.html: counted, and it lands.
    assert canonical.requested >= 2 * 8 * 4
