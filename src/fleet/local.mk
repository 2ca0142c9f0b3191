# fleet module: gslbd instances that agree through etcd (its v3 JSON gateway over evhttp):
# shared probe verdicts decided by a quorum, shared overrides and load figures.
noinst_LIBRARIES += src/fleet/libfleet.a
src_fleet_libfleet_a_SOURCES = \
	include/gslb/fleet.h \
	src/fleet/fleet_int.h \
	src/fleet/endpoint.c \
	src/fleet/etcd.c \
	src/fleet/fleet.c \
	src/fleet/keys.c \
	src/fleet/quorum.c \
	src/fleet/sync.c \
	src/fleet/view.c
src_fleet_libfleet_a_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
