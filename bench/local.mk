# The steering simulator (bench/steer-sim.sh builds and runs it; not part of make check).
EXTRA_PROGRAMS = bench/steer_sim
bench_steer_sim_SOURCES = bench/steer_sim.c
bench_steer_sim_LDADD = src/policy/libpolicy.a src/latency/liblatency.a src/conf/libconf.a \
	src/geo/libgeo.a src/steer/libsteer.a src/health/libhealth.a src/dns/libdns.a \
	src/util/libutil.a \
	$(LDNS_LIBS) $(MAXMINDDB_LIBS) $(FYAML_LIBS) $(XXHASH_LIBS) $(JANSSON_LIBS) \
	$(LIBEVENT_SSL_LIBS) $(LIBEVENT_LIBS) -lm
CLEANFILES += bench/steer_sim
dist_noinst_SCRIPTS += bench/steer-sim.sh
