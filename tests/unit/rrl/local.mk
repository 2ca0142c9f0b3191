# rrl unit tests: the token-bucket rule, slip, classes, keys and prefixes.
check_PROGRAMS += tests/unit/rrl/test_rrl
TESTS += tests/unit/rrl/test_rrl
tests_unit_rrl_test_rrl_SOURCES = tests/unit/rrl/test_rrl.c
tests_unit_rrl_test_rrl_CFLAGS = $(TEST_CFLAGS)
tests_unit_rrl_test_rrl_LDADD = src/rrl/librrl.a src/util/libutil.a $(XXHASH_LIBS) $(TEST_LIBS)
