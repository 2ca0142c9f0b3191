noinst_LIBRARIES += src/dns/libdns.a
src_dns_libdns_a_SOURCES = \
	include/gslb/dns.h \
	src/dns/dns_int.h \
	src/dns/name.c \
	src/dns/parse.c \
	src/dns/wire.c \
	src/dns/write.c
