src_libapotview_a_SOURCES += \
	src/cli/options.c src/cli/options.h \
	src/cli/report.c src/cli/report.h
