noinst_LIBRARIES += src/dnssec/libdnssec.a src/zone/libzone.a
src_zone_libzone_a_SOURCES = \
	include/gslb/zone.h \
	src/zone/zone_int.h \
	src/zone/arena.c \
	src/zone/build.c \
	src/zone/load.c \
	src/zone/lookup.c \
	src/zone/service.c \
	src/zone/set.c \
	src/zone/sign.c \
	src/zone/ttl.c
