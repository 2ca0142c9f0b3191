"""contrib/ monitoring files: the Prometheus alerting rules pass promtool's check and their
unit tests, and every query of the Grafana dashboard parses and names only metrics gslbd
exports."""
import glob
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness  # noqa: E402

CONTRIB = os.path.join(harness.SRCDIR, "contrib")
RULES = os.path.join(CONTRIB, "prometheus", "gslbd-alerts.yml")
RULES_TEST = os.path.join(CONTRIB, "prometheus", "gslbd-alerts.test.yml")
DASHBOARD = os.path.join(CONTRIB, "grafana", "gslbd-dashboard.json")
work = harness.WorkDir("monitoring")
r = harness.Results()


def promtool(*args):
    p = subprocess.run(["promtool"] + list(args), capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout + p.stderr


def exported_metrics():
    """Every metric family name the control endpoint writes, from its sources."""
    names = set()
    for path in glob.glob(os.path.join(harness.SRCDIR, "src", "ctl", "*.c")):
        with open(path) as f:
            names |= set(re.findall(r'"(gslbd_[a-z0-9_]+)', f.read()))
    return names


def used_metrics(expr):
    return {re.sub(r"_(bucket|sum|count)$", "", m) if m.startswith("gslbd_probe_latency")
            else m for m in re.findall(r"\b(gslbd_[a-z0-9_]+)", expr)}


def test_rules():
    rc, out = promtool("check", "rules", RULES)
    r.check("promtool check rules accepts the alerting rules", rc == 0, out)
    rc, out = promtool("test", "rules", RULES_TEST)
    r.check("the rules' unit tests pass (each alert fires on its input, and only then)",
            rc == 0, out)
    with open(RULES) as f:
        text = f.read()
    unknown = used_metrics(text) - exported_metrics()
    r.equal("the rules name only metrics gslbd exports", sorted(unknown), [])
    for alert in ("GslbdDatacenterDown", "GslbdServiceAllDatacentersDown", "GslbdReloadFailed",
                  "GslbdProbeFlapping", "GslbdLoadFeedStale"):
        r.check("alert %s is defined and tested" % alert,
                "alert: %s" % alert in text and "alertname: %s" % alert in open(RULES_TEST).read())


def test_dashboard():
    with open(DASHBOARD) as f:
        dash = json.load(f)
    panels = [p for p in dash["panels"] if p["type"] != "row"]
    r.check("the dashboard has panels", len(panels) >= 10, len(panels))
    ids = [p["id"] for p in dash["panels"]]
    r.equal("panel ids are unique", len(ids), len(set(ids)))
    exprs = [t["expr"] for p in panels for t in p["targets"]]
    r.check("every panel queries something", all(p["targets"] for p in panels))
    unknown = set().union(*(used_metrics(e) for e in exprs)) - exported_metrics()
    r.equal("the dashboard names only metrics gslbd exports", sorted(unknown), [])
    # promtool parses each query as a recording rule, with Grafana's variables filled in.
    lines = ["groups:", "  - name: dashboard", "    rules:"]
    for i, e in enumerate(exprs):
        e = e.replace("$__rate_interval", "5m").replace("$job", ".*").replace("$instance", ".*")
        lines.append("      - record: dashboard_query_%d" % i)
        lines.append("        expr: %s" % json.dumps(e))
    path = work.write("dashboard-rules.yml", "\n".join(lines) + "\n")
    rc, out = promtool("check", "rules", path)
    r.check("every dashboard query parses (%d)" % len(exprs), rc == 0, out)
    for needed in ("gslbd_datacenter_up", "gslbd_datacenter_answers_total",
                   "gslbd_client_continent_datacenter_answers_total",
                   "gslbd_datacenter_utilisation", "gslbd_probe_latency_seconds",
                   "gslbd_last_reload_failure_timestamp_seconds"):
        r.check("the dashboard shows %s" % needed, any(needed in e for e in exprs))


r.run("alerting rules", test_rules)
r.run("grafana dashboard", test_dashboard)
r.finish()
