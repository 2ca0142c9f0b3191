# snapshot unit tests: loading from files on disk and publishing with liburcu (no sockets).
SNAPSHOT_TEST_LIBS = src/snapshot/libsnapshot.a src/policy/libpolicy.a src/conf/libconf.a src/fleet/libfleet.a \
	src/latency/liblatency.a src/geo/libgeo.a src/dnssec/libdnssec.a src/zone/libzone.a src/dns/libdns.a src/rrl/librrl.a src/cookie/libcookie.a src/steer/libsteer.a src/health/libhealth.a \
	src/util/libutil.a \
	$(LDNS_LIBS) $(CRYPTO_LIBS) $(MAXMINDDB_LIBS) $(FYAML_LIBS) $(LIBEVENT_SSL_LIBS) $(LIBEVENT_LIBS) \
	$(URCU_LIBS) $(TEST_LIBS) $(XXHASH_LIBS) $(SODIUM_LIBS) $(JANSSON_LIBS) -lm
check_PROGRAMS += tests/unit/snapshot/test_snapshot_publish
TESTS += tests/unit/snapshot/test_snapshot_publish
tests_unit_snapshot_test_snapshot_publish_SOURCES = tests/unit/snapshot/test_snapshot_publish.c
tests_unit_snapshot_test_snapshot_publish_CFLAGS = $(TEST_CFLAGS)
tests_unit_snapshot_test_snapshot_publish_LDADD = $(SNAPSHOT_TEST_LIBS)
