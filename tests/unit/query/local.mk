# unit tests for query
check_PROGRAMS += tests/unit/query/test_query_answer
TESTS += tests/unit/query/test_query_answer
tests_unit_query_test_query_answer_SOURCES = tests/unit/query/test_query_answer.c
tests_unit_query_test_query_answer_CFLAGS = $(TEST_CFLAGS)
tests_unit_query_test_query_answer_LDADD = src/query/libquery.a src/snapshot/libsnapshot.a \
	src/policy/libpolicy.a src/conf/libconf.a src/geo/libgeo.a src/zone/libzone.a \
	src/dns/libdns.a src/health/libhealth.a src/util/libutil.a \
	$(LDNS_LIBS) $(MAXMINDDB_LIBS) $(FYAML_LIBS) $(LIBEVENT_SSL_LIBS) $(LIBEVENT_LIBS) $(TEST_LIBS) -lm

check_PROGRAMS += tests/unit/query/test_query_stats
TESTS += tests/unit/query/test_query_stats
tests_unit_query_test_query_stats_SOURCES = tests/unit/query/test_query_stats.c
tests_unit_query_test_query_stats_CFLAGS = $(TEST_CFLAGS)
tests_unit_query_test_query_stats_LDADD = src/query/libquery.a src/util/libutil.a $(TEST_LIBS)
