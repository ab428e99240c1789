"""The peers of the HTTP suite (conformance/http.py): upstreams behind the gateway — a Python HTTP/1.1 echo server that
says which upstream answered, nginx from the distribution, a grpcio server with generic (codegen-free) handlers — and
a gateway process that runs one of the conformance/http/*.yaml templates with its placeholders filled in."""

import json
import os
import pwd
import shutil
import signal
import string
import subprocess
import threading
import time
from concurrent import futures
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

os.environ.setdefault("GRPC_VERBOSITY", "ERROR")  # grpcio's INFO lines (fork handlers) are noise here
# The suite forks clients and nginx while grpcio's threads run; its fork handlers are for children that go on using
# gRPC, which none of these do (they exec at once), and they have been seen to break a child before its exec.
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")
import grpc  # noqa: E402

from .processes import LOOPBACK, Gateway, GatewayFailed, listening

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATES = os.path.join(HERE, "http")


# --- HTTP/1.1 echo ------------------------------------------------------------------------------------------------


class _EchoHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    tag = "?"

    def log_message(self, *args):  # quiet
        pass

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return body
                body += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _answer(self):
        body = self._body()
        if self.path.startswith("/echo/download/"):  # that many bytes of 0, 1, … 255, 0, 1, …
            size = int(self.path.rsplit("/", 1)[1])
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            block = bytes(range(256)) * 256
            while size > 0:
                self.wfile.write(block[:size])
                size -= len(block)
            return
        if self.path.startswith("/slow"):
            time.sleep(3)
        answer = json.dumps({
            "upstream": self.tag, "method": self.command, "path": self.path,
            "headers": [[k.lower(), v] for k, v in self.headers.items()], "body_bytes": len(body),
        }).encode() + b"\n"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.send_header("x-upstream", self.tag)
        self.send_header("x-internal", "secret")  # a route removes it from the response
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _answer


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a gateway that gave up on a request (a route timeout) closes the connection: nothing to report


class EchoUpstream:
    """An HTTP/1.1 server on a free loopback port answering every request with JSON: which upstream (`tag`), the
    method, the path and the headers it received. Paths starting /slow answer after 3 s; /echo/download/N sends N
    bytes (0, 1, … 255 over and over)."""

    def __init__(self, tag: str):
        handler = type(f"Echo_{tag}", (_EchoHandler,), {"tag": tag})
        self.server = _QuietServer((LOOPBACK, 0), handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        return False


# --- nginx --------------------------------------------------------------------------------------------------------

NGINX_CONF = """daemon off;
master_process off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  keepalive_requests 100000;
  server {{
    listen {address}:{port};
    location / {{
      default_type application/json;
      add_header x-upstream nginx;
      return 200 '{{"upstream":"nginx","method":"$request_method","path":"$request_uri","host":"$host",
        "x_vhost":"$http_x_vhost"}}\\n';
    }}
  }}
}}
"""


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


class Nginx:
    """nginx (the distribution's) as an HTTP/1.1 upstream: one process (`master_process off`) on a free loopback
    port with a prefix, config and logs in a directory of its own; run as `nobody` when started by root. Answers
    every request with a small JSON naming itself."""

    def __init__(self, workdir: str, port: int):
        self.dir = os.path.join(workdir, "nginx")
        os.makedirs(self.dir, exist_ok=True)
        self.port = port
        self.conf = os.path.join(self.dir, "nginx.conf")
        with open(self.conf, "w") as f:
            f.write(NGINX_CONF.format(dir=self.dir, address=LOOPBACK, port=port))
        self.proc: subprocess.Popen | None = None

    def __enter__(self):
        binary = nginx_binary()
        if not binary:
            raise GatewayFailed("nginx is not installed (apt-get install nginx)")
        user = {}
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(self.dir, nobody.pw_uid, nobody.pw_gid)
            for parent in (os.path.dirname(self.dir), os.path.dirname(os.path.dirname(self.dir))):
                os.chmod(parent, os.stat(parent).st_mode | 0o111)  # nobody may pass through, not list
            user = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}
        log = open(os.path.join(self.dir, "stderr.log"), "w")
        command = [binary, "-p", self.dir, "-c", self.conf, "-e", os.path.join(self.dir, "error.log")]
        self.proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, **user)
        log.close()
        deadline = time.monotonic() + 10
        while not listening(self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                with open(os.path.join(self.dir, "stderr.log")) as f:
                    raise GatewayFailed(f"nginx did not start: {f.read()[-400:]}")
            time.sleep(0.02)
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __exit__(self, *exc):
        self.stop()
        return False


# --- gRPC ---------------------------------------------------------------------------------------------------------

SERVICE = "test.Echo"


def _sleep_while_active(context, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not context.is_active():
            return False
        time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))
    return context.is_active()


def _unary(request: bytes, context) -> bytes:
    context.set_trailing_metadata((("x-trailer", "unary"),))
    return request


def _server_stream(request: bytes, context):
    count, size = (int(x) for x in request.split(b","))
    for i in range(count):
        yield i.to_bytes(4, "big") + b"s" * size


def _client_stream(requests, context) -> bytes:
    count = total = 0
    for message in requests:
        count += 1
        total += len(message)
    return f"{count},{total}".encode()


def _bidi(requests, context):
    for message in requests:
        yield message


def _fail(request: bytes, context) -> bytes:
    context.set_trailing_metadata((("x-trailer", "kept"), ("x-detail-bin", b"\x00\x01\xfe\xff")))
    context.set_code(grpc.StatusCode.PERMISSION_DENIED)
    context.set_details("denied on purpose")
    return b""


def _slow(request: bytes, context) -> bytes:
    _sleep_while_active(context, float(request))
    return b"slow"


def _ticker(request: bytes, context):
    """A server stream of `count` messages, one every `interval` seconds (the first after one interval)."""
    interval, count = request.split(b",")
    for i in range(int(count)):
        if not _sleep_while_active(context, float(interval)):
            return
        yield f"tick {i + 1}".encode()


class GrpcUpstream:
    """A grpcio server (h2c) on a free loopback port with the methods of `test.Echo`, bytes in and out:
    Unary (echo; trailing metadata x-trailer: unary), ServerStream ("count,size" → count messages), ClientStream
    (→ "count,bytes"), Bidi (echo each), Fail (PERMISSION_DENIED, details and custom trailing metadata), Slow
    (answers after the seconds asked), Ticker ("interval,count": one message per interval)."""

    def __init__(self):
        handlers = {
            "Unary": grpc.unary_unary_rpc_method_handler(_unary),
            "ServerStream": grpc.unary_stream_rpc_method_handler(_server_stream),
            "ClientStream": grpc.stream_unary_rpc_method_handler(_client_stream),
            "Bidi": grpc.stream_stream_rpc_method_handler(_bidi),
            "Fail": grpc.unary_unary_rpc_method_handler(_fail),
            "Slow": grpc.unary_unary_rpc_method_handler(_slow),
            "Ticker": grpc.unary_stream_rpc_method_handler(_ticker),
        }
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=64),
                                  handlers=(grpc.method_handlers_generic_handler(SERVICE, handlers),),
                                  options=[("grpc.so_reuseport", 0)])
        self.port = self.server.add_insecure_port(f"{LOOPBACK}:0")

    def __enter__(self):
        self.server.start()
        return self

    def __exit__(self, *exc):
        self.server.stop(grace=None)
        return False


# --- the gateway under test ----------------------------------------------------------------------------------------


def render(template: str, values: dict, path: str) -> str:
    """Fills a conformance/http/ template's placeholders and writes the config to `path`."""
    with open(os.path.join(TEMPLATES, template)) as f:
        text = string.Template(f.read()).substitute({k: str(v) for k, v in values.items()})
    with open(path, "w") as f:
        f.write(text)
    return path


class HttpGateway(Gateway):
    """A gateway running a rendered template, ready once every listener port is in LISTEN."""

    def __init__(self, label: str, command: list[str], ports: list[int], log_path: str):
        super().__init__(label, command, ports[0], log_path)
        self.ports = ports

    def __enter__(self):
        super().__enter__()
        try:
            deadline = time.monotonic() + self.ready_timeout
            for port in self.ports[1:]:
                while not listening(port):
                    if self.proc.poll() is not None:
                        raise GatewayFailed(f"{self.label} exited {self.proc.returncode}: {self.log_tail()}")
                    if time.monotonic() > deadline:
                        raise GatewayFailed(f"{self.label} not listening on :{port}")
                    time.sleep(0.02)
        except BaseException:
            self.stop()
            raise
        return self
