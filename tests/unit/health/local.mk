# Unit tests for health: the state machine and registry without network, and
# probes against loopback servers, children and files that the tests start.
HEALTH_TEST_LIBS = src/health/libhealth.a src/util/libutil.a \
	$(LIBEVENT_SSL_LIBS) $(LIBEVENT_LIBS) $(JANSSON_LIBS) $(TEST_LIBS) -lm

check_PROGRAMS += \
	tests/unit/health/test_health_fsm \
	tests/unit/health/test_health_registry \
	tests/unit/health/test_health_probe \
	tests/unit/health/test_health_exec \
	tests/unit/health/test_health_sched \
	tests/unit/health/test_health_load \
	tests/unit/health/test_health_tick
TESTS += \
	tests/unit/health/test_health_fsm \
	tests/unit/health/test_health_registry \
	tests/unit/health/test_health_probe \
	tests/unit/health/test_health_exec \
	tests/unit/health/test_health_sched \
	tests/unit/health/test_health_load \
	tests/unit/health/test_health_tick
EXTRA_DIST += tests/unit/health/health_test.h

tests_unit_health_test_health_fsm_SOURCES = tests/unit/health/test_health_fsm.c
tests_unit_health_test_health_fsm_CFLAGS = $(TEST_CFLAGS)
tests_unit_health_test_health_fsm_LDADD = $(HEALTH_TEST_LIBS)

tests_unit_health_test_health_registry_SOURCES = tests/unit/health/test_health_registry.c
tests_unit_health_test_health_registry_CFLAGS = $(TEST_CFLAGS)
tests_unit_health_test_health_registry_LDADD = $(HEALTH_TEST_LIBS)

tests_unit_health_test_health_probe_SOURCES = tests/unit/health/test_health_probe.c
tests_unit_health_test_health_probe_CFLAGS = $(TEST_CFLAGS)
tests_unit_health_test_health_probe_LDADD = $(HEALTH_TEST_LIBS)

tests_unit_health_test_health_exec_SOURCES = tests/unit/health/test_health_exec.c
tests_unit_health_test_health_exec_CFLAGS = $(TEST_CFLAGS)
tests_unit_health_test_health_exec_LDADD = $(HEALTH_TEST_LIBS)

# White-box: looks at the health thread's event priorities through health_int.h.
tests_unit_health_test_health_sched_SOURCES = tests/unit/health/test_health_sched.c
tests_unit_health_test_health_sched_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/health
tests_unit_health_test_health_sched_CFLAGS = $(TEST_CFLAGS)
tests_unit_health_test_health_sched_LDADD = $(HEALTH_TEST_LIBS)

# White-box: the body parser is internal (health_int.h); pure, no thread.
tests_unit_health_test_health_load_SOURCES = tests/unit/health/test_health_load.c
tests_unit_health_test_health_load_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/health
tests_unit_health_test_health_load_CFLAGS = $(TEST_CFLAGS)
tests_unit_health_test_health_load_LDADD = $(HEALTH_TEST_LIBS)

tests_unit_health_test_health_tick_SOURCES = tests/unit/health/test_health_tick.c
tests_unit_health_test_health_tick_CFLAGS = $(TEST_CFLAGS)
tests_unit_health_test_health_tick_LDADD = $(HEALTH_TEST_LIBS)
