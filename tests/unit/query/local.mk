# unit tests for query
check_PROGRAMS += tests/unit/query/test_query_answer
TESTS += tests/unit/query/test_query_answer
tests_unit_query_test_query_answer_SOURCES = tests/unit/query/test_query_answer.c
tests_unit_query_test_query_answer_CFLAGS = $(TEST_CFLAGS)
tests_unit_query_test_query_answer_LDADD = src/query/libquery.a src/snapshot/libsnapshot.a \
	src/policy/libpolicy.a src/conf/libconf.a src/fleet/libfleet.a src/latency/liblatency.a src/geo/libgeo.a src/dnssec/libdnssec.a src/zone/libzone.a \
	src/dns/libdns.a src/rrl/librrl.a src/cookie/libcookie.a src/steer/libsteer.a src/health/libhealth.a src/util/libutil.a \
	$(LDNS_LIBS) $(CRYPTO_LIBS) $(MAXMINDDB_LIBS) $(FYAML_LIBS) $(LIBEVENT_SSL_LIBS) $(LIBEVENT_LIBS) $(TEST_LIBS) $(XXHASH_LIBS) $(SODIUM_LIBS) $(JANSSON_LIBS) -lm

check_PROGRAMS += tests/unit/query/test_query_stats
TESTS += tests/unit/query/test_query_stats
tests_unit_query_test_query_stats_SOURCES = tests/unit/query/test_query_stats.c
tests_unit_query_test_query_stats_CFLAGS = $(TEST_CFLAGS)
tests_unit_query_test_query_stats_LDADD = src/query/libquery.a src/util/libutil.a $(TEST_LIBS)

# query_answer behind the server's sockets on loopback.
check_PROGRAMS += tests/unit/query/test_query_edns
TESTS += tests/unit/query/test_query_edns
tests_unit_query_test_query_edns_SOURCES = tests/unit/query/test_query_edns.c \
	tests/unit/query/query_test.h
tests_unit_query_test_query_edns_CFLAGS = $(TEST_CFLAGS)
tests_unit_query_test_query_edns_LDADD = src/query/libquery.a src/server/libserver.a \
	src/snapshot/libsnapshot.a src/policy/libpolicy.a src/conf/libconf.a src/fleet/libfleet.a src/latency/liblatency.a src/geo/libgeo.a \
	src/dnssec/libdnssec.a src/zone/libzone.a src/dns/libdns.a src/rrl/librrl.a src/cookie/libcookie.a src/steer/libsteer.a src/health/libhealth.a src/util/libutil.a \
	$(LDNS_LIBS) $(CRYPTO_LIBS) $(MAXMINDDB_LIBS) $(FYAML_LIBS) $(LIBEVENT_SSL_LIBS) $(LIBEVENT_LIBS) \
	$(URCU_LIBS) $(TEST_LIBS) $(XXHASH_LIBS) $(SODIUM_LIBS) $(JANSSON_LIBS) -lm

check_PROGRAMS += tests/unit/query/test_query_ecs
TESTS += tests/unit/query/test_query_ecs
tests_unit_query_test_query_ecs_SOURCES = tests/unit/query/test_query_ecs.c \
	tests/unit/query/query_test.h
tests_unit_query_test_query_ecs_CFLAGS = $(TEST_CFLAGS)
tests_unit_query_test_query_ecs_LDADD = $(tests_unit_query_test_query_edns_LDADD)

# Rate limiting and cookies through query_answer, from crafted sources.
check_PROGRAMS += tests/unit/query/test_query_limits
TESTS += tests/unit/query/test_query_limits
tests_unit_query_test_query_limits_SOURCES = tests/unit/query/test_query_limits.c
tests_unit_query_test_query_limits_CFLAGS = $(TEST_CFLAGS)
tests_unit_query_test_query_limits_LDADD = $(tests_unit_query_test_query_answer_LDADD)

# DNSSEC answers through query_answer, every signature checked with ldns.
check_PROGRAMS += tests/unit/query/test_query_dnssec
TESTS += tests/unit/query/test_query_dnssec
tests_unit_query_test_query_dnssec_SOURCES = tests/unit/query/test_query_dnssec.c
tests_unit_query_test_query_dnssec_CFLAGS = $(TEST_CFLAGS)
tests_unit_query_test_query_dnssec_LDADD = $(tests_unit_query_test_query_answer_LDADD)
