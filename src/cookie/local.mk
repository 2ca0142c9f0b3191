# cookie module: DNS Cookies (RFC 7873, RFC 9018 server cookies with libsodium's SipHash-2-4).
noinst_LIBRARIES += src/cookie/libcookie.a
src_cookie_libcookie_a_SOURCES = \
	include/gslb/cookie.h \
	src/cookie/cookie.c \
	src/cookie/keys.c
