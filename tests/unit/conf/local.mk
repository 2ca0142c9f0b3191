# conf unit tests: valid configurations and every class of configuration error.
# conf takes the probe types' names from health and the ISO country codes from
# geo (probe_type.o and continent.o alone are linked).
CONF_TEST_LIBS = src/conf/libconf.a src/fleet/libfleet.a src/steer/libsteer.a src/health/libhealth.a src/geo/libgeo.a src/util/libutil.a \
	$(FYAML_LIBS) $(TEST_LIBS) $(XXHASH_LIBS) $(JANSSON_LIBS)
check_PROGRAMS += tests/unit/conf/test_conf_load tests/unit/conf/test_conf_errors
TESTS += tests/unit/conf/test_conf_load tests/unit/conf/test_conf_errors

tests_unit_conf_test_conf_load_SOURCES = tests/unit/conf/test_conf_load.c \
	tests/unit/conf/conf_test.h
tests_unit_conf_test_conf_load_CFLAGS = $(TEST_CFLAGS)
tests_unit_conf_test_conf_load_LDADD = $(CONF_TEST_LIBS)

tests_unit_conf_test_conf_errors_SOURCES = tests/unit/conf/test_conf_errors.c \
	tests/unit/conf/conf_test.h
tests_unit_conf_test_conf_errors_CFLAGS = $(TEST_CFLAGS)
tests_unit_conf_test_conf_errors_LDADD = $(CONF_TEST_LIBS)

check_PROGRAMS += tests/unit/conf/test_conf_probes
TESTS += tests/unit/conf/test_conf_probes
tests_unit_conf_test_conf_probes_SOURCES = tests/unit/conf/test_conf_probes.c \
	tests/unit/conf/conf_test.h
tests_unit_conf_test_conf_probes_CFLAGS = $(TEST_CFLAGS)
tests_unit_conf_test_conf_probes_LDADD = $(CONF_TEST_LIBS)

check_PROGRAMS += tests/unit/conf/test_conf_control
TESTS += tests/unit/conf/test_conf_control
tests_unit_conf_test_conf_control_SOURCES = tests/unit/conf/test_conf_control.c \
	tests/unit/conf/conf_test.h
tests_unit_conf_test_conf_control_CFLAGS = $(TEST_CFLAGS)
tests_unit_conf_test_conf_control_LDADD = $(CONF_TEST_LIBS)

check_PROGRAMS += tests/unit/conf/test_conf_steering
TESTS += tests/unit/conf/test_conf_steering
tests_unit_conf_test_conf_steering_SOURCES = tests/unit/conf/test_conf_steering.c \
	tests/unit/conf/conf_test.h
tests_unit_conf_test_conf_steering_CFLAGS = $(TEST_CFLAGS)
tests_unit_conf_test_conf_steering_LDADD = $(CONF_TEST_LIBS)

# White-box: shortens the parse guard's deadline through conf_int.h.
check_PROGRAMS += tests/unit/conf/test_conf_guard
TESTS += tests/unit/conf/test_conf_guard
tests_unit_conf_test_conf_guard_SOURCES = tests/unit/conf/test_conf_guard.c \
	tests/unit/conf/conf_test.h
tests_unit_conf_test_conf_guard_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/conf
tests_unit_conf_test_conf_guard_CFLAGS = $(TEST_CFLAGS) $(FYAML_CFLAGS)
tests_unit_conf_test_conf_guard_LDADD = $(CONF_TEST_LIBS)

check_PROGRAMS += tests/unit/conf/test_conf_limits
TESTS += tests/unit/conf/test_conf_limits
tests_unit_conf_test_conf_limits_SOURCES = tests/unit/conf/test_conf_limits.c \
	tests/unit/conf/conf_test.h
tests_unit_conf_test_conf_limits_CFLAGS = $(TEST_CFLAGS)
tests_unit_conf_test_conf_limits_LDADD = $(CONF_TEST_LIBS)
check_PROGRAMS += tests/unit/conf/test_conf_fleet
TESTS += tests/unit/conf/test_conf_fleet
tests_unit_conf_test_conf_fleet_SOURCES = tests/unit/conf/test_conf_fleet.c \
	tests/unit/conf/conf_test.h
tests_unit_conf_test_conf_fleet_CFLAGS = $(TEST_CFLAGS)
tests_unit_conf_test_conf_fleet_LDADD = $(CONF_TEST_LIBS)
