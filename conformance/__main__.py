"""python3 -m conformance [--only validation,a1,g,http] [--envoy PATH] [--lifeline PATH] [--gateways envoy]

Runs the validation cases, the live scenarios and the HTTP suite (conformance/http.py), prints one PASS/FAIL line per
case with what each binary did, and ends with `N passed, N failed` alone on a line; exit status 1 if anything failed.
Configs and gateway logs of the live scenarios stay in a fresh /tmp/conformance-* directory."""

import argparse
import os
import shutil
import sys
import tempfile
import time

from . import chains, validation
from .binaries import Envoy, Lifeline
from .live import LiveRun
from .report import Result, print_result, summary
from .scenarios import SCENARIOS

HTTP_SCENARIOS = ("configs", "curl", "h2load", "grpc", "long", "keepalive", "malformed")  # conformance/http.py

# Live scenarios still to run when this many seconds have passed are failed unrun, so a gateway that hangs cannot hold
# CI: a scenario takes about a second; each gateway may take up to 30 s to listen.
BUDGET = 150


def main() -> int:
    parser = argparse.ArgumentParser(prog="conformance", description=__doc__.split("\n\n")[1])
    parser.add_argument("--only", help="comma-separated: 'validation', 'chains', 'http' (or one HTTP scenario: "
                        f"{', '.join('http-' + s for s in HTTP_SCENARIOS)}) and/or live scenario ids "
                        f"({', '.join(s.id for s in SCENARIOS)})")
    parser.add_argument("--gateways", choices=("both", "envoy", "lifeline"), default="both",
                        help="the gateways the HTTP suite runs (default both; 'envoy' needs no lifeline binary and "
                        "runs the HTTP suite only)")
    parser.add_argument("--envoy", default=shutil.which("envoy"), help="the Envoy binary (default: envoy on PATH)")
    parser.add_argument("--lifeline", default=os.path.join(validation.ROOT, ".build", "release", "lifeline"),
                        help="the Lifeline binary (default: .build/release/lifeline)")
    args = parser.parse_args()
    only = set(args.only.split(",")) if args.only else None
    known = {"validation", "chains", "http"} | {"http-" + s for s in HTTP_SCENARIOS} | {s.id for s in SCENARIOS}
    if only and only - known:
        parser.error(f"unknown case(s) {', '.join(sorted(only - known))}; known: {', '.join(sorted(known))}")
    gateways = ("envoy", "lifeline") if args.gateways == "both" else (args.gateways,)
    http_only = {s.removeprefix("http-") for s in only or () if s.startswith("http-")}
    run_http = only is None or "http" in only or bool(http_only)
    if "lifeline" not in gateways:
        if only is None:
            only = {"http"}
        elif only - {"http"} - {"http-" + s for s in HTTP_SCENARIOS}:
            parser.error("--gateways envoy runs the HTTP suite only (--only http); the other cases need lifeline")
    for name, path in (("envoy", args.envoy), ("lifeline", args.lifeline)):
        if name == "lifeline" and name not in gateways:
            continue
        if not path or not os.access(path, os.X_OK):
            parser.error(f"no {name} binary ({path or 'not on PATH'})")
    if not shutil.which("ss"):
        parser.error("needs ss (iproute2)")

    envoy = Envoy(args.envoy)
    lifeline = Lifeline(args.lifeline) if "lifeline" in gateways else None
    workdir = tempfile.mkdtemp(prefix="conformance-")
    print(f"envoy {envoy.version()} ({args.envoy}); lifeline {args.lifeline if lifeline else 'not run'}; "
          f"work directory {workdir}", flush=True)
    started = time.monotonic()
    results = []
    if only is None or "validation" in only:
        print("\n--- validation: envoy --mode validate vs lifeline check", flush=True)
        for result in validation.run(envoy, lifeline):
            print_result(result)
            results.append(result)
    if only is None or "chains" in only:
        print("\n--- filter chains: which chain each client is given, Envoy vs Lifeline", flush=True)
        try:
            outcome = chains.run(envoy, lifeline, workdir, base_id=(os.getpid() % 20000) * 100 + 99)
        except Exception as failure:  # a broken set-up must not hide the other results
            outcome = [Result("chains", False, f"{type(failure).__name__}: {failure}", "filter chains")]
        for result in outcome:
            print_result(result)
            results.append(result)
    scenarios = [s for s in SCENARIOS if only is None or s.id in only]
    if scenarios:
        print("\n--- live sockets: the gateway's accepted and upstream sockets, Envoy vs Lifeline", flush=True)
        live = LiveRun(envoy, lifeline, workdir)
        for scenario in scenarios:
            if time.monotonic() - started > BUDGET:
                outcome = [Result(f"live {scenario.id} {binary}", False,
                                  f"not run: the suite's {BUDGET} s were used up", scenario.title)
                           for binary in ("envoy", "lifeline")]
            else:
                try:
                    outcome = live.run(scenario)
                except Exception as failure:  # one broken scenario must not hide the others' results
                    outcome = [Result(f"live {scenario.id} {binary}", False, f"{type(failure).__name__}: {failure}",
                                      scenario.title) for binary in ("envoy", "lifeline")]
            for result in outcome:
                print_result(result)
                results.append(result)
    if run_http:
        print("\n--- http: real clients through http_connection_manager, " + " vs ".join(gateways), flush=True)
        try:
            from . import http
        except ImportError as missing:
            outcome, table = [Result("http", False, f"{missing}: pip install grpcio h2", "HTTP suite")], ""
        else:
            try:
                outcome, table = http.run(envoy, lifeline if "lifeline" in gateways else None, workdir, gateways,
                                          base_id=(os.getpid() % 20000) * 100 + 1000, only=http_only or None)
            except Exception as failure:  # a broken set-up must not hide the other results
                outcome, table = [Result("http", False, f"{type(failure).__name__}: {failure}", "HTTP suite")], ""
        for result in outcome:
            print_result(result)
            results.append(result)
        if table:
            print("\n" + table, flush=True)
    print(f"\n{len(results)} cases in {time.monotonic() - started:.0f} s; failed: "
          + (", ".join(r.case for r in results if not r.ok) or "none"))
    print(summary(results), flush=True)
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
