"""An HTTP server on a loopback port that misbehaves the way a broken etcd gateway could.

--mode junk    answers 200 with a body that is not JSON
--mode shapes  answers 200 with JSON of the wrong shapes (strings for numbers, arrays for
               objects, a watch stream of garbage lines)
--mode hang    reads the request and never answers
Exits on SIGTERM.
"""
import argparse
import http.server
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--mode", choices=["junk", "shapes", "hang"], required=True)
    args = ap.parse_args()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            n = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(n)
            if args.mode == "hang":
                time.sleep(3600)
                return
            if args.mode == "junk":
                body = b"{not json at all \x00\xff"
            elif self.path == "/v3/watch":
                body = b'{"result": []}\n\x00garbage\n{"result": {"canceled": "yes"}}\n'
            elif self.path == "/v3/kv/range":
                body = b'{"header": {}, "kvs": [{"key": 5, "value": []}, {"key": "!!!"}, 7]}'
            elif self.path == "/v3/lease/grant":
                body = b'{"ID": "not a number", "TTL": {}}'
            elif self.path == "/v3/lease/keepalive":
                body = b'{"result": "alive"}'
            else:
                body = b'[1, 2, 3]'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, fmt, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    srv.serve_forever()


if __name__ == "__main__":
    main()
