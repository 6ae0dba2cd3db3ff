src_libapotview_a_SOURCES += \
	src/cli/options.c src/cli/options.h \
	src/cli/session.c src/cli/session.h \
	src/cli/report.c src/cli/report.h \
	src/cli/export_npy.c src/cli/export_npy.h
