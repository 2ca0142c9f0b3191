# util unit tests: the diagnostics format and error texts, the IP address parser.
check_PROGRAMS += tests/unit/util/test_util_diag
TESTS += tests/unit/util/test_util_diag
tests_unit_util_test_util_diag_SOURCES = tests/unit/util/test_util_diag.c
tests_unit_util_test_util_diag_CFLAGS = $(TEST_CFLAGS)
tests_unit_util_test_util_diag_LDADD = src/util/libutil.a $(TEST_LIBS)
check_PROGRAMS += tests/unit/util/test_util_addr
TESTS += tests/unit/util/test_util_addr
tests_unit_util_test_util_addr_SOURCES = tests/unit/util/test_util_addr.c
tests_unit_util_test_util_addr_CFLAGS = $(TEST_CFLAGS)
tests_unit_util_test_util_addr_LDADD = src/util/libutil.a $(TEST_LIBS)
