# Integration tests: real gslbd processes on loopback, driven by Python (dnspython).
TEST_EXTENSIONS = .py
PY_LOG_COMPILER = /usr/bin/python3
AM_TESTS_ENVIRONMENT = abs_top_srcdir='$(abs_top_srcdir)'; abs_top_builddir='$(abs_top_builddir)'; \
	export abs_top_srcdir abs_top_builddir;
TESTS += tests/integration/001_geo_steering/test.py
EXTRA_DIST += tests/integration/lib/harness.py \
	tests/integration/001_geo_steering/geo.spec \
	tests/integration/001_geo_steering/test.zone \
	tests/integration/001_geo_steering/gslbd.yaml.in
TESTS += tests/integration/002_knot_diff/test.py
EXTRA_DIST += tests/integration/002_knot_diff/diff.test.zone \
	tests/integration/002_knot_diff/child.diff.test.zone \
	tests/integration/002_knot_diff/signed.test.zone \
	tests/integration/002_knot_diff/signed.py \
	tests/integration/002_knot_diff/gslbd.yaml.in
TESTS += tests/integration/003_unbound/test.py
EXTRA_DIST += tests/integration/003_unbound/geo.spec \
	tests/integration/003_unbound/gslb.test.zone.in \
	tests/integration/003_unbound/test.zone.in \
	tests/integration/003_unbound/gslbd-child.yaml.in \
	tests/integration/003_unbound/gslbd-parent.yaml.in
TESTS += tests/integration/004_failover/test.py
EXTRA_DIST += tests/integration/lib/backend.py tests/integration/lib/fake_etcd.py \
	tests/integration/004_failover/geo.spec \
	tests/integration/004_failover/test.zone \
	tests/integration/004_failover/gslbd.yaml.in
TESTS += tests/integration/005_control/test.py
EXTRA_DIST += tests/integration/005_control/geo.spec \
	tests/integration/005_control/test.zone \
	tests/integration/005_control/gslbd.yaml.in
TESTS += tests/integration/006_steering/test.py
EXTRA_DIST += tests/integration/006_steering/test.zone \
	tests/integration/006_steering/gslbd.yaml.in
TESTS += tests/integration/007_tcp_fairness/test.py
TESTS += tests/integration/008_rrl_cookies/test.py
EXTRA_DIST += tests/integration/008_rrl_cookies/test.zone
TESTS += tests/integration/009_fleet/test.py
EXTRA_DIST += tests/integration/009_fleet/test.zone \
	tests/integration/009_fleet/gslbd.yaml.in
TESTS += tests/integration/010_dashboard/files.py tests/integration/010_dashboard/test.py
EXTRA_DIST += tests/integration/lib/browser.py \
	tests/integration/010_dashboard/geo.spec \
	tests/integration/010_dashboard/test.zone \
	tests/integration/010_dashboard/gslbd.yaml.in
TESTS += tests/integration/011_monitoring/test.py
EXTRA_DIST += contrib/prometheus/gslbd-alerts.yml contrib/prometheus/gslbd-alerts.test.yml \
	contrib/grafana/gslbd-dashboard.json
TESTS += tests/integration/012_dnssec_chain/test.py
EXTRA_DIST += tests/integration/012_dnssec_chain/gslbd.yaml.in
