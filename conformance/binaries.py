"""The two binaries under comparison: how each validates a config and how each runs one."""

import re
import subprocess
from dataclasses import dataclass

# How `lifeline check` words an Envoy field it knowingly does not run ("Envoy field not supported by Lifeline").
NOT_SUPPORTED = "not supported by Lifeline"

# `lifeline check` reports each error as `path: message (file:line:column)`.
_LIFELINE_ERROR = re.compile(r"^(?P<path>[^\s:]*): (?P<message>.*?)(?: \((?P<where>[^()]*:\d+:\d+)\))?$")


@dataclass(frozen=True)
class Diagnostic:
    path: str
    message: str


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    summary: str  # one line for the report
    diagnostics: tuple[Diagnostic, ...] = ()


class Envoy:
    def __init__(self, path: str):
        self.path = path

    def version(self) -> str:
        out = subprocess.run([self.path, "--version"], capture_output=True, text=True, timeout=60).stdout
        match = re.search(r"version: \S+/(\d+\.\d+\.\d+)/", out)
        return match.group(1) if match else out.strip()

    def validate(self, config: str) -> Verdict:
        proc = subprocess.run(
            [self.path, "--mode", "validate", "-c", config, "-l", "critical"],
            capture_output=True, text=True, timeout=60,
        )
        if proc.returncode == 0:
            return Verdict(True, "accepted")
        text = proc.stdout + proc.stderr
        # The interesting part of Envoy's error is the parser's or the validator's reason, not the config it echoes.
        constraint = re.search(r"Proto constraint validation failed \((.*)\)", text)
        reason = re.search(r"(INVALID_ARGUMENT: .*?)(?:\): \{|$)", text, re.S)
        if constraint:
            detail = "constraint: " + constraint.group(1).split(" | caused by ")[-1]
        elif reason:
            detail = reason.group(1)
        else:
            detail = text.strip().splitlines()[-1] if text.strip() else f"exit {proc.returncode}"
        return Verdict(False, "rejected: " + " ".join(detail.split())[:240])

    def run_command(self, config: str, base_id: int) -> list[str]:
        return [
            self.path, "-c", config, "--concurrency", "1", "--disable-hot-restart", "--base-id", str(base_id),
            "-l", "error",
        ]


class Lifeline:
    def __init__(self, path: str):
        self.path = path

    def check(self, config: str) -> Verdict:
        proc = subprocess.run([self.path, "check", "--config", config], capture_output=True, text=True, timeout=60)
        # Warnings go to stderr with exit 0: that is acceptance.
        if proc.returncode == 0:
            return Verdict(True, "accepted")
        diagnostics = []
        for line in proc.stderr.splitlines():
            match = _LIFELINE_ERROR.match(line.strip())
            if match and not re.fullmatch(r"\d+ errors?", match.group("message")):
                diagnostics.append(Diagnostic(match.group("path"), match.group("message")))
        shown = "; ".join(f"{d.path}: {d.message}" for d in diagnostics) or proc.stderr.strip()[-240:]
        return Verdict(False, "rejected: " + shown[:400], tuple(diagnostics))

    def run_command(self, config: str) -> list[str]:
        return [self.path, "run", "--config", config, "--event-loops", "1", "--log-level", "warning", "--drain-time-s", "0"]
