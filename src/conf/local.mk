# conf module: YAML configuration into validated structs (libfyaml).
noinst_LIBRARIES += src/conf/libconf.a
src_conf_libconf_a_SOURCES = \
	include/gslb/conf.h \
	src/conf/conf_int.h \
	src/conf/control.c \
	src/conf/datacenters.c \
	src/conf/dnssec.c \
	src/conf/dups.c \
	src/conf/fleet.c \
	src/conf/free.c \
	src/conf/geo.c \
	src/conf/guard.c \
	src/conf/latency.c \
	src/conf/load.c \
	src/conf/maps.c \
	src/conf/node.c \
	src/conf/probes.c \
	src/conf/rate_limit.c \
	src/conf/server.c \
	src/conf/service_steer.c \
	src/conf/services.c \
	src/conf/steer.c \
	src/conf/value.c
