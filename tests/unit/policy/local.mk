# unit tests for policy
# The weight functions need nothing from geo or conf at link time, so the
# test compiles weights.c itself instead of linking the whole policy library.
check_PROGRAMS += tests/unit/policy/test_policy_weights
TESTS += tests/unit/policy/test_policy_weights
tests_unit_policy_test_policy_weights_SOURCES = tests/unit/policy/test_policy_weights.c \
	src/policy/weights.c
tests_unit_policy_test_policy_weights_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/policy
tests_unit_policy_test_policy_weights_CFLAGS = $(TEST_CFLAGS)
tests_unit_policy_test_policy_weights_LDADD = $(TEST_LIBS)

# policy_select against a real health registry (no probes started), so that
# answers are checked to follow probe results and overrides at once.
check_PROGRAMS += tests/unit/policy/test_policy_select
TESTS += tests/unit/policy/test_policy_select
tests_unit_policy_test_policy_select_SOURCES = tests/unit/policy/test_policy_select.c
tests_unit_policy_test_policy_select_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/health
tests_unit_policy_test_policy_select_CFLAGS = $(TEST_CFLAGS)
tests_unit_policy_test_policy_select_LDADD = src/policy/libpolicy.a src/steer/libsteer.a src/health/libhealth.a \
	src/latency/liblatency.a src/geo/libgeo.a src/conf/libconf.a src/fleet/libfleet.a src/dns/libdns.a src/util/libutil.a \
	$(LDNS_LIBS) $(MAXMINDDB_LIBS) $(FYAML_LIBS) $(LIBEVENT_SSL_LIBS) $(LIBEVENT_LIBS) \
	$(TEST_LIBS) $(XXHASH_LIBS) $(JANSSON_LIBS) -lm

# The dynamic step of policy_select with a real load registry, loads pushed by hand.
check_PROGRAMS += tests/unit/policy/test_policy_dynamic
TESTS += tests/unit/policy/test_policy_dynamic
tests_unit_policy_test_policy_dynamic_SOURCES = tests/unit/policy/test_policy_dynamic.c
tests_unit_policy_test_policy_dynamic_CFLAGS = $(TEST_CFLAGS)
tests_unit_policy_test_policy_dynamic_LDADD = src/policy/libpolicy.a src/latency/liblatency.a \
	src/steer/libsteer.a src/health/libhealth.a src/geo/libgeo.a src/conf/libconf.a src/fleet/libfleet.a \
	src/steer/libsteer.a src/dns/libdns.a src/util/libutil.a \
	$(LDNS_LIBS) $(MAXMINDDB_LIBS) $(FYAML_LIBS) $(XXHASH_LIBS) $(JANSSON_LIBS) \
	$(LIBEVENT_SSL_LIBS) $(LIBEVENT_LIBS) $(TEST_LIBS) -lm
