# dnssec unit tests: keys written by ldns, signatures checked with ldns.
check_PROGRAMS += tests/unit/dnssec/test_dnssec_zone
TESTS += tests/unit/dnssec/test_dnssec_zone
tests_unit_dnssec_test_dnssec_zone_SOURCES = tests/unit/dnssec/test_dnssec_zone.c
tests_unit_dnssec_test_dnssec_zone_CFLAGS = $(TEST_CFLAGS)
tests_unit_dnssec_test_dnssec_zone_LDADD = src/dnssec/libdnssec.a src/conf/libconf.a src/fleet/libfleet.a \
	src/zone/libzone.a src/dns/libdns.a src/steer/libsteer.a src/health/libhealth.a \
	src/geo/libgeo.a src/util/libutil.a \
	$(LDNS_LIBS) $(CRYPTO_LIBS) $(FYAML_LIBS) $(XXHASH_LIBS) $(JANSSON_LIBS) $(MAXMINDDB_LIBS) \
	$(TEST_LIBS) -lm
