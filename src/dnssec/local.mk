# dnssec module: keys, RRSIGs at load and online, the per-worker signature cache.
noinst_LIBRARIES += src/dnssec/libdnssec.a
src_dnssec_libdnssec_a_SOURCES = \
	include/gslb/dnssec.h \
	src/dnssec/dnssec_int.h \
	src/dnssec/cache.c \
	src/dnssec/keys.c \
	src/dnssec/presign.c \
	src/dnssec/sign.c \
	src/dnssec/zone.c
