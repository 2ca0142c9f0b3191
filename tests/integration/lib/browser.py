"""Headless Chromium for the dashboard tests, driven over the Chrome DevTools Protocol.

Browser(dir) starts Debian's chromium on loopback with its profile in dir, and
stops it by PID when the test ends. CannotStart is raised when no chromium can be
started (the test then skips). evaluate() runs JavaScript in the page and returns
its value; wait() polls an expression until it is true.
"""
import atexit
import base64
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request

import websocket  # Debian: python3-websocket


class CannotStart(Exception):
    pass


class Browser:
    def __init__(self, profile_dir, width=1400, height=1000):
        exe = next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser"))
                    if p), None)
        if exe is None:
            raise CannotStart("no chromium on PATH (Debian package chromium)")
        args = [exe, "--headless=new", "--disable-gpu", "--no-first-run",
                "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--disable-sync",
                "--user-data-dir=" + profile_dir, "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0", "--window-size=%d,%d" % (width, height),
                "about:blank"]
        if os.geteuid() == 0:
            args.insert(1, "--no-sandbox")  # Chromium refuses to run as root with it
        self.log = open(os.path.join(profile_dir, "chromium.log"), "w")
        try:
            self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        except OSError as e:
            raise CannotStart(str(e))
        atexit.register(self.stop)
        port_file = os.path.join(profile_dir, "DevToolsActivePort")
        deadline = time.time() + 30
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.time() > deadline:
                self.stop()
                with open(os.path.join(profile_dir, "chromium.log")) as f:
                    raise CannotStart("chromium did not start:\n" + f.read()[-2000:])
            time.sleep(0.05)
        time.sleep(0.05)  # the file is written in two steps
        with open(port_file) as f:
            self.port = int(f.readline())
        targets = json.load(urllib.request.urlopen(
            "http://127.0.0.1:%d/json/list" % self.port, timeout=10))
        page = next(t for t in targets if t["type"] == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30,
                                              suppress_origin=True)
        self.next_id = 0
        self.events = []
        self.send("Page.enable")
        self.send("Runtime.enable")

    def send(self, method, **params):
        self.next_id += 1
        my_id = self.next_id
        self.ws.send(json.dumps({"id": my_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise RuntimeError("%s: %s" % (method, msg["error"]))
                return msg.get("result", {})
            self.events.append(msg)

    def navigate(self, url, timeout_s=10):
        self.send("Page.navigate", url=url)
        self.wait("document.readyState === 'complete' && location.href !== 'about:blank'",
                  timeout_s)

    def evaluate(self, expr):
        r = self.send("Runtime.evaluate", expression=expr, returnByValue=True,
                      awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError("%s: %s" % (expr, r["exceptionDetails"]))
        return r["result"].get("value")

    def wait(self, expr, timeout_s):
        """Seconds until expr was true; raises TimeoutError after timeout_s."""
        start = time.time()
        while True:
            if self.evaluate(expr):
                return time.time() - start
            if time.time() - start > timeout_s:
                raise TimeoutError("not true within %.1f s: %s" % (timeout_s, expr))
            time.sleep(0.05)

    def console_errors(self):
        return [e["params"] for e in self.events
                if e.get("method") == "Runtime.exceptionThrown" or
                (e.get("method") == "Runtime.consoleAPICalled" and
                 e["params"].get("type") == "error")]

    def screenshot(self, path):
        data = self.send("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        return path

    def stop(self):
        if getattr(self, "proc", None) is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        # Chromium's helpers (renderer, GPU, zygote) run in its session; none outlives it.
        if getattr(self, "proc", None) is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if getattr(self, "log", None) is not None and not self.log.closed:
            self.log.close()
