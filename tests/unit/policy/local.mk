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
