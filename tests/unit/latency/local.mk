# latency unit tests: both table formats, lookups and scope against brute force, parse errors.
check_PROGRAMS += tests/unit/latency/test_latency
TESTS += tests/unit/latency/test_latency
tests_unit_latency_test_latency_SOURCES = tests/unit/latency/test_latency.c
tests_unit_latency_test_latency_CFLAGS = $(TEST_CFLAGS)
tests_unit_latency_test_latency_LDADD = src/latency/liblatency.a src/geo/libgeo.a \
	src/util/libutil.a $(JANSSON_LIBS) $(TEST_LIBS)
