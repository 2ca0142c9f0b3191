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
