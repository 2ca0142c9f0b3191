# cookie unit tests: RFC 9018 vectors, lifetimes, secrets and their rotation.
check_PROGRAMS += tests/unit/cookie/test_cookie
TESTS += tests/unit/cookie/test_cookie
tests_unit_cookie_test_cookie_SOURCES = tests/unit/cookie/test_cookie.c
tests_unit_cookie_test_cookie_CFLAGS = $(TEST_CFLAGS)
tests_unit_cookie_test_cookie_LDADD = src/cookie/libcookie.a src/util/libutil.a $(SODIUM_LIBS) \
	$(TEST_LIBS)
