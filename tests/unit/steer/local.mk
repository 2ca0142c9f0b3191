# Unit tests for steer: the controller, the client hash and rendezvous scores (pure); the
# Prometheus client against a fake server with canned answers, and against a real
# Prometheus scraping a target the test serves.
STEER_TEST_LIBS = src/steer/libsteer.a src/health/libhealth.a src/util/libutil.a \
	$(XXHASH_LIBS) $(LIBEVENT_SSL_LIBS) $(LIBEVENT_LIBS) $(JANSSON_LIBS) $(TEST_LIBS) -lm

check_PROGRAMS += \
	tests/unit/steer/test_steer_prom \
	tests/unit/steer/test_steer_prom_real
TESTS += \
	tests/unit/steer/test_steer_prom \
	tests/unit/steer/test_steer_prom_real
EXTRA_DIST += tests/unit/steer/prom_test.h

tests_unit_steer_test_steer_prom_SOURCES = tests/unit/steer/test_steer_prom.c
tests_unit_steer_test_steer_prom_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/steer
tests_unit_steer_test_steer_prom_CFLAGS = $(TEST_CFLAGS)
tests_unit_steer_test_steer_prom_LDADD = $(STEER_TEST_LIBS)

# Starts /usr/bin/prometheus (Debian's package, see scripts/deps.sh) on
# loopback; fails, with the reason, when it is not installed.
tests_unit_steer_test_steer_prom_real_SOURCES = tests/unit/steer/test_steer_prom_real.c
tests_unit_steer_test_steer_prom_real_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/steer
tests_unit_steer_test_steer_prom_real_CFLAGS = $(TEST_CFLAGS)
tests_unit_steer_test_steer_prom_real_LDADD = $(STEER_TEST_LIBS)

check_PROGRAMS += tests/unit/steer/test_steer_controller
TESTS += tests/unit/steer/test_steer_controller
tests_unit_steer_test_steer_controller_SOURCES = tests/unit/steer/test_steer_controller.c \
	src/steer/controller.c src/steer/hash.c
tests_unit_steer_test_steer_controller_CFLAGS = $(TEST_CFLAGS)
tests_unit_steer_test_steer_controller_LDADD = $(XXHASH_LIBS) $(TEST_LIBS) -lm

check_PROGRAMS += tests/unit/steer/test_steer_registry
TESTS += tests/unit/steer/test_steer_registry
tests_unit_steer_test_steer_registry_SOURCES = tests/unit/steer/test_steer_registry.c
tests_unit_steer_test_steer_registry_CFLAGS = $(TEST_CFLAGS)
tests_unit_steer_test_steer_registry_LDADD = $(STEER_TEST_LIBS)
