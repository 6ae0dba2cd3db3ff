src_libapotview_a_SOURCES += \
	src/quant/levels.c src/quant/levels.h \
	src/quant/prep.c src/quant/prep.h \
	src/quant/summary.c \
	src/quant/eval.c src/quant/eval.h \
	src/quant/analyze.c src/quant/analyze.h \
	src/quant/schemes.c src/quant/schemes.h \
	src/quant/lloyd.c src/quant/lloyd.h \
	src/quant/clip.c src/quant/clip.h \
	src/quant/group.c src/quant/group.h src/quant/gq.c src/quant/gq.h src/quant/gq_kern.h
