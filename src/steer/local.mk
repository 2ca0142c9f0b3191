# steer module: live load of data centers and dynamic steering.
noinst_LIBRARIES += src/steer/libsteer.a
src_steer_libsteer_a_SOURCES = \
	src/steer/prom.c \
	src/steer/prom.h \
	src/steer/prom_int.h \
	src/steer/prom_result.c \
	src/steer/prom_url.c
