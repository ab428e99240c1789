#!/usr/bin/env python3
"""The quickstart's gRPC service and client (grpcio, generic handlers carrying UTF-8 text: no protoc needed).

  grpc_demo.py server [PORT]     serves demo.Greeter on 127.0.0.1:PORT (default 8082), plaintext HTTP/2 (h2c):
                                   Hello  (unary)            "hello, <name>"; trailing metadata `served-by: grpc-demo`
                                   Count  (server streaming) "<i>" once a second, N times (N = the request)
  grpc_demo.py hello NAME        calls Hello through the gateway: https://quickstart.example.test:10443 over TLS
                                   (trusting examples/tls/quickstart.crt), prints the reply and the trailing metadata
  grpc_demo.py count N           calls Count through the gateway and prints each message as it arrives

The gateway address can be changed with --target HOST:PORT, the CA with --ca FILE.
"""
import argparse
import os
import sys
import time
from concurrent import futures

import grpc

HERE = os.path.dirname(os.path.abspath(__file__))
SERVICE = "demo.Greeter"


def encode(text):
    return text.encode()


def decode(data):
    return data.decode()


def serve(port):
    def hello(request, context):
        context.set_trailing_metadata((("served-by", "grpc-demo"),))
        return f"hello, {request}"

    def count(request, context):
        for i in range(1, int(request or "3") + 1):
            yield str(i)
            time.sleep(1)

    handler = grpc.method_handlers_generic_handler(SERVICE, {
        "Hello": grpc.unary_unary_rpc_method_handler(hello, request_deserializer=decode, response_serializer=encode),
        "Count": grpc.unary_stream_rpc_method_handler(count, request_deserializer=decode,
                                                      response_serializer=encode),
    })
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    server.add_generic_rpc_handlers((handler,))
    server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    print(f"grpc_demo: demo.Greeter on 127.0.0.1:{port} (h2c)", file=sys.stderr, flush=True)
    server.wait_for_termination()


def channel(args):
    with open(args.ca, "rb") as f:
        credentials = grpc.ssl_channel_credentials(root_certificates=f.read())
    return grpc.secure_channel(args.target, credentials,
                               options=[("grpc.ssl_target_name_override", "quickstart.example.test")])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["server", "hello", "count"])
    parser.add_argument("value", nargs="?")
    parser.add_argument("--target", default="127.0.0.1:10443")
    parser.add_argument("--ca", default=os.path.join(HERE, "tls", "quickstart.crt"))
    args = parser.parse_args()
    if args.command == "server":
        serve(int(args.value or 8082))
        return 0
    with channel(args) as ch:
        if args.command == "hello":
            call = ch.unary_unary(f"/{SERVICE}/Hello", request_serializer=encode, response_deserializer=decode)
            reply, state = call.with_call(args.value or "lifeline", timeout=10)
            print(reply)
            print("trailing metadata:", dict(state.trailing_metadata()))
        else:
            call = ch.unary_stream(f"/{SERVICE}/Count", request_serializer=encode, response_deserializer=decode)
            for message in call(args.value or "3", timeout=120):
                print(message, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
