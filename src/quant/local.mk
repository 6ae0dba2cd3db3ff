src_libapotview_a_SOURCES += \
	src/quant/levels.c src/quant/levels.h \
	src/quant/prep.c src/quant/prep.h \
	src/quant/prep_sorted.c src/quant/prep_sorted.h \
	src/quant/prep_hist.c src/quant/prep_hist.h src/quant/prep_hist_int.h \
	src/quant/prep_hist_query.c src/quant/prep_hist_resolve.c \
	src/quant/prep_group.c src/quant/prep_group.h \
	src/quant/eval.c src/quant/eval.h \
	src/quant/analyze.c src/quant/analyze.h \
	src/quant/schemes.c src/quant/schemes.h \
	src/quant/lloyd.c src/quant/lloyd.h \
	src/quant/clip.c src/quant/clip.h \
	src/quant/group.c src/quant/group.h src/quant/gq.c src/quant/gq.h src/quant/gq_kern.h \
	src/quant/gq_kern_codes.h \
	src/quant/gq_int.h src/quant/gq_eval.c src/quant/gq_opt.c src/quant/gq_kern.c \
	src/quant/gview.c src/quant/gview.h src/quant/stored.c src/quant/stored.h \
	src/quant/pow2.c src/quant/pow2.h src/quant/errhist.c src/quant/errhist.h
