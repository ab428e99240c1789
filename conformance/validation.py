"""Validation: every bootstrap the project ships or tests goes through `envoy --mode validate` and `lifeline check`.

The rule: both accept; or both reject; or Envoy accepts and Lifeline rejects only with "Envoy field not supported by
Lifeline" for fields listed in unsupported.txt (the Envoy fields Lifeline knowingly does not run). Lifeline accepting
what Envoy rejects, or rejecting as invalid what Envoy accepts, is a failure. A fixture states what Envoy does with it
in its first line (`# expect: valid` or `# expect: invalid`), and Envoy is held to that too, so a fixture cannot
silently stop testing what it was written for."""

import glob
import os
import re
import subprocess

from .binaries import NOT_SUPPORTED, Envoy, Lifeline
from .report import Result

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def bootstraps() -> list[tuple[str, str | None]]:
    """(path relative to the repository, expected Envoy verdict or None) of every bootstrap under test."""
    shipped = sorted(glob.glob(os.path.join(ROOT, "examples", "*.yaml"))) + [
        os.path.join(ROOT, "examples", "istio", "gateway.yaml")
    ]
    cases: list[tuple[str, str | None]] = []
    for path in shipped:
        cases.append((os.path.relpath(path, ROOT), "invalid" if os.path.basename(path) == "broken.yaml" else None))
    for path in sorted(glob.glob(os.path.join(HERE, "fixtures", "*.yaml"))):
        with open(path) as f:
            first = f.readline()
        match = re.match(r"#\s*expect:\s*(valid|invalid)\b", first)
        if not match:
            raise SystemExit(f"{path}: the first line must be '# expect: valid' or '# expect: invalid'")
        cases.append((os.path.relpath(path, ROOT), match.group(1)))
    return cases


def unsupported_fields(path: str = os.path.join(HERE, "unsupported.txt")) -> set[str]:
    with open(path) as f:
        return {line.split("#", 1)[0].strip() for line in f if line.split("#", 1)[0].strip()}


def field_pattern(path: str) -> str:
    """`static_resources.listeners[2].listenerFilters` → `static_resources.listeners[].listener_filters`."""
    path = re.sub(r"\[\d+\]", "[]", path)
    return ".".join(re.sub(r"(?<=[a-z0-9])([A-Z])", lambda m: "_" + m.group(1).lower(), part)
                    for part in path.split("."))


def judge(config: str, expect: str | None, envoy: Envoy, lifeline: Lifeline, unsupported: set[str]) -> Result:
    full = os.path.join(ROOT, config)
    by_envoy = envoy.validate(full)
    by_lifeline = lifeline.check(full)
    detail = f"envoy:    {by_envoy.summary}\nlifeline: {by_lifeline.summary}"
    case = f"validate {config}"
    title = f"Envoy: {expect}" if expect else ""

    if expect == "valid" and not by_envoy.accepted:
        return Result(case, False, detail + "\n✗ the fixture is meant to be valid, and Envoy rejects it", title)
    if expect == "invalid" and by_envoy.accepted:
        return Result(case, False, detail + "\n✗ the fixture is meant to be invalid, and Envoy accepts it", title)
    if by_envoy.accepted == by_lifeline.accepted:
        return Result(case, True, detail, title)
    if by_lifeline.accepted:
        return Result(case, False, detail + "\n✗ Lifeline accepts a config Envoy rejects", title)
    listed = [d for d in by_lifeline.diagnostics
              if NOT_SUPPORTED in d.message and field_pattern(d.path) in unsupported]
    others = [d for d in by_lifeline.diagnostics if d not in listed]
    if by_lifeline.diagnostics and not others:
        return Result(case, True, detail + "\n  (every rejected field is on conformance/unsupported.txt)", title)
    reasons = [
        f"{d.path}: not on conformance/unsupported.txt" if NOT_SUPPORTED in d.message else f"{d.path}: {d.message}"
        for d in others
    ] or ["no path-named error"]
    detail += "\n✗ Lifeline rejects as invalid a config Envoy accepts: " + "; ".join(reasons)
    return Result(case, False, detail, title)


def make_fixture_certificate():
    """The certificate and key the TLS fixtures name, made for the run (a key is never committed)."""
    directory = os.path.join(ROOT, "conformance", "fixtures", "tls")
    certificate, key = os.path.join(directory, "server.crt"), os.path.join(directory, "server.key")
    if os.path.exists(certificate) and os.path.exists(key):
        return
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", key, "-out", certificate, "-days", "30", "-subj", "/CN=conformance.example.com",
                    "-addext", "subjectAltName=DNS:conformance.example.com"],
                   check=True, capture_output=True, timeout=60)


def run(envoy: Envoy, lifeline: Lifeline) -> list[Result]:
    make_fixture_certificate()
    unsupported = unsupported_fields()
    return [judge(config, expect, envoy, lifeline, unsupported) for config, expect in bootstraps()]
