## Foundation tests (cmocka). Other layers list theirs in tests/<layer>.mk.
TESTS_ENVIRONMENT_VARS = \
	top_srcdir='$(top_srcdir)' abs_top_srcdir='$(abs_top_srcdir)' \
	abs_top_builddir='$(abs_top_builddir)' APOTVIEW='$(abs_top_builddir)/src/apotview' \
	APOTVIEW_DATADIR='$(abs_top_srcdir)/data'
AM_TESTS_ENVIRONMENT = export $(TESTS_ENVIRONMENT_VARS);
TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
TEST_LIBS = $(APOTVIEW_LIBS) $(CMOCKA_LIBS)
