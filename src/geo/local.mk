# geo module: MaxMind DB lookups, client -> data-center maps, distance ordering.
noinst_LIBRARIES += src/geo/libgeo.a
src_geo_libgeo_a_SOURCES = \
	include/gslb/geo.h \
	src/geo/continent.c \
	src/geo/db.c \
	src/geo/db_int.h \
	src/geo/distance.c \
	src/geo/from_nets.c \
	src/geo/map.c \
	src/geo/nets.c \
	src/geo/nets.h \
	src/geo/order.c \
	src/geo/ptree.c \
	src/geo/ptree.h \
	src/geo/records.c \
	src/geo/records.h \
	src/geo/tree.c \
	src/geo/tree.h

# The GeoLite2 fetcher ships with the sources; the database itself never does.
dist_noinst_SCRIPTS += geo/fetch-geolite2.sh
EXTRA_DIST += geo/README.md
