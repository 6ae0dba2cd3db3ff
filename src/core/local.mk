src_libapotview_a_SOURCES += \
	src/core/util.c src/core/util.h \
	src/core/strbuf.c src/core/strbuf.h \
	src/core/dtype.c src/core/dtype.h \
	src/core/file.c src/core/file.h \
	src/core/par.c src/core/par.h \
	src/core/jarena.c src/core/jarena.h \
	src/core/numfmt.c src/core/numfmt.h
