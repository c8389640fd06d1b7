"""Issue 3: the generated nginx include answers 301 for every old URL (real nginx)."""
from __future__ import annotations

import http.client
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from conftest import SITES, free_port
from test_redirects_http import FORMS, MOVES

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@pytest.fixture(scope="module")
def nginx(built: Path, tmp_path_factory: pytest.TempPathFactory):
    if not Path(NGINX).exists():
        pytest.fail("nginx is not installed; scripts/test installs it (Debian package nginx-light)")
    prefix = tmp_path_factory.mktemp("nginx")
    port = free_port()
    servers = "\n".join(
        f"server {{ listen 127.0.0.1:{port}; server_name {host}; root {built / site};"
        f" include {built / site / 'nginx-redirects.conf'}; }}"
        for site, host in SITES.items()
    )
    (prefix / "nginx.conf").write_text(
        f"daemon off; master_process off; worker_processes 1; pid {prefix}/nginx.pid; error_log {prefix}/error.log;\n"
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
    yield port
    process.terminate()
    process.wait(timeout=10)


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
