#!/usr/bin/python3
"""Make doc/dashboard.png, the README's picture of the dashboard: runs the example
(zones/gslbd.yaml with scripts/example-backend.sh, after scripts/example.sh has built the tree
and fetched the GeoLite2 database), sends queries from clients on six continents, runs an
explain, and captures the page in headless Chromium. pngquant, when installed, makes the
file smaller. Usage: scripts/dashboard-screenshot.py [OUT.png]"""
import os
import shutil
import subprocess
import sys
import threading
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "integration", "lib"))
import browser  # noqa: E402
import harness  # noqa: E402

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(TOP, "doc", "dashboard.png")
# client networks and how many queries each sends per round
CLIENTS = [("81.2.69.0/24", 12), ("2.17.0.0/24", 10), ("24.48.0.0/24", 9),
           ("1.0.16.0/24", 7), ("1.120.0.0/24", 3), ("177.0.0.0/24", 3), ("41.0.0.0/24", 2)]

os.chdir(TOP)
subprocess.run(["scripts/example-backend.sh", "start"], check=True)
work = harness.WorkDir("screenshot")
srv = harness.Server("zones/gslbd.yaml", 5353, work.file("gslbd.log"))
try:
    subprocess.run(["scripts/example-backend.sh", "load", "eu-west", "0.55"], check=True)
    subprocess.run(["scripts/example-backend.sh", "load", "us-east", "0.4"], check=True)
    subprocess.run(["scripts/example-backend.sh", "load", "ap-southeast", "0.7"], check=True)
    profile = work.file("chromium")
    os.makedirs(profile)
    b = browser.Browser(profile, width=1280, height=1000)
    b.navigate("http://127.0.0.1:8053/")
    done = threading.Event()

    def traffic():
        while not done.is_set():
            for net, n in CLIENTS:
                for _ in range(n):
                    srv.query("www.gslb.example.com.", "A", ecs=net)
            time.sleep(0.5)

    sender = threading.Thread(target=traffic)
    sender.start()
    time.sleep(15)
    b.evaluate("document.getElementById('explain-name').value = 'www.gslb.example.com.'")
    b.evaluate("document.getElementById('explain-client').value = '81.2.69.0/24'")
    b.evaluate("document.querySelector('#explain-form button[type=submit]').click()")
    b.wait("document.getElementById('explain-chosen') !== null", 5)
    time.sleep(1.5)
    b.screenshot(OUT)
    done.set()
    sender.join()
    b.stop()
finally:
    srv.stop()
    subprocess.run(["scripts/example-backend.sh", "stop"], check=False)
if shutil.which("pngquant"):
    subprocess.run(["pngquant", "--force", "--skip-if-larger", "--output", OUT, "--", OUT],
                   check=False)
print("%s: %d bytes" % (OUT, os.path.getsize(OUT)))
