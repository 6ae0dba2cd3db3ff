src_libapotview_a_SOURCES += \
	src/core/util.c src/core/util.h \
	src/core/dtype.c src/core/dtype.h
src_libapotview_a_SOURCES += src/core/par.c src/core/par.h
