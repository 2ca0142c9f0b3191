# ctl unit tests: the overrides table and state file, metrics buckets and the metrics text.
CTL_TEST_LIBS = src/ctl/libctl.a src/query/libquery.a src/snapshot/libsnapshot.a \
	src/server/libserver.a src/policy/libpolicy.a src/conf/libconf.a src/fleet/libfleet.a src/latency/liblatency.a src/geo/libgeo.a \
	src/dnssec/libdnssec.a src/zone/libzone.a src/dns/libdns.a src/rrl/librrl.a src/cookie/libcookie.a src/steer/libsteer.a src/health/libhealth.a src/util/libutil.a \
	$(LDNS_LIBS) $(CRYPTO_LIBS) $(MAXMINDDB_LIBS) $(FYAML_LIBS) $(LIBEVENT_SSL_LIBS) $(LIBEVENT_LIBS) \
	$(URCU_LIBS) $(JANSSON_LIBS) $(SYSTEMD_LIBS) $(TEST_LIBS) $(XXHASH_LIBS) $(SODIUM_LIBS) -lm
check_PROGRAMS += tests/unit/ctl/test_ctl_overrides tests/unit/ctl/test_ctl_metrics
TESTS += tests/unit/ctl/test_ctl_overrides tests/unit/ctl/test_ctl_metrics
tests_unit_ctl_test_ctl_overrides_SOURCES = tests/unit/ctl/test_ctl_overrides.c
tests_unit_ctl_test_ctl_overrides_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/ctl
tests_unit_ctl_test_ctl_overrides_CFLAGS = $(TEST_CFLAGS)
tests_unit_ctl_test_ctl_overrides_LDADD = $(CTL_TEST_LIBS)
tests_unit_ctl_test_ctl_metrics_SOURCES = tests/unit/ctl/test_ctl_metrics.c
tests_unit_ctl_test_ctl_metrics_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/ctl
tests_unit_ctl_test_ctl_metrics_CFLAGS = $(TEST_CFLAGS)
tests_unit_ctl_test_ctl_metrics_LDADD = $(CTL_TEST_LIBS)
check_PROGRAMS += tests/unit/ctl/test_ctl_dashboard
TESTS += tests/unit/ctl/test_ctl_dashboard
tests_unit_ctl_test_ctl_dashboard_SOURCES = tests/unit/ctl/test_ctl_dashboard.c
tests_unit_ctl_test_ctl_dashboard_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/ctl
tests_unit_ctl_test_ctl_dashboard_CFLAGS = $(TEST_CFLAGS)
tests_unit_ctl_test_ctl_dashboard_LDADD = $(CTL_TEST_LIBS)
