# unit tests for zone
check_PROGRAMS += tests/unit/zone/test_zone_load
TESTS += tests/unit/zone/test_zone_load
tests_unit_zone_test_zone_load_SOURCES = tests/unit/zone/test_zone_load.c
tests_unit_zone_test_zone_load_CFLAGS = $(TEST_CFLAGS)
tests_unit_zone_test_zone_load_LDADD = src/dnssec/libdnssec.a src/zone/libzone.a src/dns/libdns.a src/util/libutil.a \
	$(LDNS_LIBS) $(CRYPTO_LIBS) $(TEST_LIBS)

check_PROGRAMS += tests/unit/zone/test_zone_lookup
TESTS += tests/unit/zone/test_zone_lookup
tests_unit_zone_test_zone_lookup_SOURCES = tests/unit/zone/test_zone_lookup.c
tests_unit_zone_test_zone_lookup_CFLAGS = $(TEST_CFLAGS)
tests_unit_zone_test_zone_lookup_LDADD = src/dnssec/libdnssec.a src/zone/libzone.a src/dns/libdns.a src/util/libutil.a \
	$(LDNS_LIBS) $(CRYPTO_LIBS) $(TEST_LIBS)
