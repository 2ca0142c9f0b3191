# steer module: live load of data centers (feeds, the Prometheus client), the shed-fraction
# controller and the client hash (xxHash) of dynamic steering.
noinst_LIBRARIES += src/steer/libsteer.a
src_steer_libsteer_a_SOURCES = \
	include/gslb/steer.h \
	src/steer/steer_int.h \
	src/steer/controller.c \
	src/steer/def.c \
	src/steer/feeds.c \
	src/steer/hash.c \
	src/steer/prom.c \
	src/steer/prom.h \
	src/steer/prom_int.h \
	src/steer/prom_result.c \
	src/steer/prom_url.c \
	src/steer/registry.c \
	src/steer/step.c
