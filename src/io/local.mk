src_libapotview_a_SOURCES += \
	src/io/loader.c src/io/loader.h \
	src/io/npy.c src/io/npy.h \
	src/io/formats.c
