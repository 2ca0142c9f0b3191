# Unit tests for fleet: the quorum rule, the contact state machine and the shared view
# (pure; no etcd, no network).
FLEET_TEST_LIBS = src/fleet/libfleet.a src/health/libhealth.a src/util/libutil.a \
	$(LIBEVENT_SSL_LIBS) $(LIBEVENT_LIBS) $(JANSSON_LIBS) $(TEST_LIBS) -lm

check_PROGRAMS += tests/unit/fleet/test_fleet_quorum
TESTS += tests/unit/fleet/test_fleet_quorum
tests_unit_fleet_test_fleet_quorum_SOURCES = tests/unit/fleet/test_fleet_quorum.c
tests_unit_fleet_test_fleet_quorum_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/fleet
tests_unit_fleet_test_fleet_quorum_CFLAGS = $(TEST_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_fleet_test_fleet_quorum_LDADD = $(FLEET_TEST_LIBS)
