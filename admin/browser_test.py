#!/usr/bin/env python3
"""The admin page in a real browser.

Starts an upstream (python's http.server) and `lifeline run` with a tcp_proxy listener whose accepted sockets carry
keepalive 15/15/3, an http_connection_manager listener and the admin endpoint on free loopback ports, holds a TCP
connection open through the tcp_proxy listener (and a kept-alive one through the connection manager),
checks `/connections` (text and JSON) with curl, then loads `/` in headless Chromium (Selenium with Debian's
`chromium` and `chromium-driver`), waits for the held connection's row (matched by the client's port), checks its
keepalive cells and that the page refreshes (the age grows), and saves a screenshot to docs/admin-connections.png.

Builds nothing: the binary is $LIFELINE or .build/debug/lifeline. Exits non-zero on any mismatch.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import SessionNotCreatedException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOT = ROOT / "docs" / "admin-connections.png"


def free_port():
    """A port nothing listens on now (bound to port 0 and released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def config(listener_port, http_port, upstream_port, admin_port):
    return f"""\
admin:
  address:
    socket_address: {{ address: 127.0.0.1, port_value: {admin_port} }}
static_resources:
  listeners:
  - name: edge
    address:
      socket_address: {{ address: 127.0.0.1, port_value: {listener_port} }}
    socket_options:
    - {{ level: 1, name: 9, int_value: 1, state: STATE_LISTENING }}
    - {{ level: 6, name: 4, int_value: 15, state: STATE_LISTENING }}
    - {{ level: 6, name: 5, int_value: 15, state: STATE_LISTENING }}
    - {{ level: 6, name: 6, int_value: 3, state: STATE_LISTENING }}
    filter_chains:
    - name: plain
      filters:
      - name: envoy.filters.network.tcp_proxy
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
          stat_prefix: edge
          cluster: web
  - name: site
    address:
      socket_address: {{ address: 127.0.0.1, port_value: {http_port} }}
    filter_chains:
    - name: http
      filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: site
          route_config:
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - match: {{ prefix: / }}
                route: {{ cluster: web }}
          http_filters:
          - name: envoy.filters.http.router
            typed_config: {{ "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }}
  clusters:
  - name: web
    connect_timeout: 2s
    load_assignment:
      cluster_name: web
      endpoints:
      - lb_endpoints:
        - endpoint:
            address:
              socket_address: {{ address: 127.0.0.1, port_value: {upstream_port} }}
"""


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)
    print(f"ok: {message}")


def curl(url):
    return subprocess.run(["curl", "-sS", "--max-time", "5", url], check=True, capture_output=True, text=True).stdout


def find_browser():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise SystemExit("no chromium found: apt-get install -y chromium chromium-driver")


def find_driver():
    path = shutil.which("chromedriver") or "/usr/lib/chromium/chromedriver"
    if not os.path.exists(path):
        raise SystemExit("no chromedriver found: apt-get install -y chromium-driver")
    return path


def check_curl(admin_port, client_port):
    text = curl(f"http://127.0.0.1:{admin_port}/connections")
    print(text)
    lines = [line for line in text.splitlines() if f"127.0.0.1:{client_port} " in line]
    check(len(lines) == 1, f"/connections text has one line for the held connection (port {client_port})")
    check("15/15/3" in lines[0] and "edge/plain/web" in lines[0], "the text line shows 15/15/3 and edge/plain/web")

    connections = json.loads(curl(f"http://127.0.0.1:{admin_port}/connections?format=json"))
    mine = [c for c in connections if c["direction"] == "downstream" and c["peer"] == f"127.0.0.1:{client_port}"]
    check(len(mine) == 1, "/connections?format=json lists the held connection")
    row = mine[0]
    keepalive = row["keepalive"]
    check(
        (keepalive["enabled"], keepalive["idle_s"], keepalive["interval_s"], keepalive["count"]) == (True, 15, 15, 3),
        f"its keepalive read back with getsockopt is 15/15/3 ({keepalive})",
    )
    check(row["tcp"]["state"] == "ESTABLISHED", "TCP_INFO says ESTABLISHED")
    check(row["listener"] == "edge" and row["cluster"] == "web", "listener edge, cluster web")
    check(row["rx_bytes"] > 0, f"bytes received counted ({row['rx_bytes']})")
    upstream = [c for c in connections if c["direction"] == "upstream" and c["kind"] == "tcp_proxy"]
    check(len(upstream) == 1 and upstream[0]["cluster"] == "web", "its upstream connection to cluster web is listed")
    managed = [c for c in connections if c["kind"] == "http_connection_manager" and c["listener"] == "site"]
    check(len(managed) == 1, "the connection manager's kept-alive downstream is listed")
    filtered = json.loads(curl(f"http://127.0.0.1:{admin_port}/connections?format=json&listener=nope"))
    check(filtered == [], "?listener=nope lists nothing")


def start_browser(scratch, attempts=3):
    """Headless Chromium through chromedriver, each attempt with a fresh profile directory.

    Chromium sometimes exits before it writes DevToolsActivePort (seen once in CI, and on a machine with both cores
    busy): that is the browser failing to start, not the page failing a check, so it gets two more tries; when all
    fail, chromedriver's log (with Chromium's own output) says why.
    """
    for attempt in range(1, attempts + 1):
        profile = Path(scratch) / f"chromium-profile-{attempt}"
        log = Path(scratch) / f"chromedriver-{attempt}.log"
        options = webdriver.ChromeOptions()
        options.binary_location = find_browser()
        for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--no-first-run", f"--user-data-dir={profile}", "--window-size=1800,520"):
            options.add_argument(argument)
        service = Service(find_driver(), log_output=str(log), service_args=["--verbose"])
        try:
            return webdriver.Chrome(service=service, options=options)
        except SessionNotCreatedException as error:
            print(f"chromium did not start (attempt {attempt} of {attempts}): {error.msg}", file=sys.stderr)
            if attempt == attempts:
                if log.exists():
                    sys.stderr.write(log.read_text(errors="replace")[-6000:])
                raise
            time.sleep(2)


def check_page(admin_port, client_port, scratch):
    driver = start_browser(scratch)
    try:
        driver.get(f"http://127.0.0.1:{admin_port}/")
        wait = WebDriverWait(driver, 15)
        selector = f'tr[data-peer="127.0.0.1:{client_port}"]'
        row = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, selector))[0]
        check(True, "the page shows a row for the held connection")

        def cell(name):
            return driver.find_element(By.CSS_SELECTOR, f"{selector} td.{name}")

        check(
            (cell("c-ka-idle").text, cell("c-ka-intvl").text, cell("c-ka-cnt").text) == ("15", "15", "3"),
            "its keepalive cells read 15 / 15 / 3",
        )
        check(cell("c-dir").text == "downstream", "its direction cell reads downstream")
        check(cell("c-state").text == "ESTABLISHED", "its state cell reads ESTABLISHED")
        check(row.get_attribute("data-connection-id").isdigit(), "the row has a data-connection-id")
        bars = driver.find_elements(By.CSS_SELECTOR, f"{selector} td.c-timeline svg rect.now")
        check(len(bars) == 1, "the timeline bar marks now")
        probes = driver.find_elements(By.CSS_SELECTOR, f"{selector} td.c-timeline svg circle")
        check(len(probes) == 3, f"the timeline shows 3 probes before the reset ({len(probes)})")

        first_age = int(cell("c-age").get_attribute("data-value"))
        first_refresh = int(driver.find_element(By.ID, "status").get_attribute("data-refreshes"))
        time.sleep(2.5)
        second_age = int(cell("c-age").get_attribute("data-value"))
        second_refresh = int(driver.find_element(By.ID, "status").get_attribute("data-refreshes"))
        check(second_refresh >= first_refresh + 2, f"the page refreshed ({first_refresh} -> {second_refresh})")
        check(second_age >= first_age + 1500, f"the age grew ({first_age} ms -> {second_age} ms)")

        SCREENSHOT.parent.mkdir(exist_ok=True)
        driver.save_screenshot(str(SCREENSHOT))
        check(SCREENSHOT.stat().st_size > 0, f"screenshot saved to {SCREENSHOT.relative_to(ROOT)}")
    finally:
        driver.quit()


def main():
    binary = Path(os.environ.get("LIFELINE", ROOT / ".build" / "debug" / "lifeline"))
    if not binary.exists():
        raise SystemExit(f"no lifeline binary at {binary}; build it or set LIFELINE")
    listener_port, http_port, upstream_port, admin_port = free_port(), free_port(), free_port(), free_port()
    processes = []
    client = None
    http_client = None
    with tempfile.TemporaryDirectory() as scratch:
        config_path = Path(scratch) / "gateway.yaml"
        config_path.write_text(config(listener_port, http_port, upstream_port, admin_port))
        try:
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(upstream_port)],
                cwd=scratch, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            processes.append(subprocess.Popen(
                [str(binary), "run", "--config", str(config_path), "--event-loops", "2"],
                stdout=subprocess.DEVNULL, stderr=open(Path(scratch) / "lifeline.log", "w")))
            wait_for_port(upstream_port)
            wait_for_port(admin_port)
            wait_for_port(listener_port)
            wait_for_port(http_port)

            # Half a request: http.server waits for the rest, so the connection stays open and quiet.
            client = socket.create_connection(("127.0.0.1", listener_port))
            client.sendall(b"GET / HTTP/1.1\r\nHost: web\r\n")
            client_port = client.getsockname()[1]
            # One request through the connection manager on a connection kept alive afterwards: its row is there too.
            http_client = socket.create_connection(("127.0.0.1", http_port))
            http_client.sendall(b"GET / HTTP/1.1\r\nHost: web\r\n\r\n")
            check(http_client.recv(65536).startswith(b"HTTP/1.1 200"), "a request through the connection manager")
            time.sleep(0.5)

            check_curl(admin_port, client_port)
            check_page(admin_port, client_port, scratch)
        except Failure as failure:
            print(f"FAIL: {failure}", file=sys.stderr)
            log = Path(scratch) / "lifeline.log"
            if log.exists():
                sys.stderr.write(log.read_text()[-4000:])
            return 1
        finally:
            if client:
                client.close()
            if http_client:
                http_client.close()
            for process in reversed(processes):
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
    print("admin page: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
