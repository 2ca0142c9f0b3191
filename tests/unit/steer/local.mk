# Unit tests for steer: the Prometheus client against a fake server with canned
# answers, and against a real Prometheus scraping a target the test serves.
STEER_TEST_LIBS = src/steer/libsteer.a src/util/libutil.a \
	$(LIBEVENT_LIBS) $(JANSSON_LIBS) $(TEST_LIBS) -lm

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
