# the run's model, below the front ends: its settings and the files and
# tensors they select (cli/, ui/ and plot/ read it; it includes none of them)
src_libapotview_a_SOURCES += \
	src/model/options.c src/model/options.h \
	src/model/session.c src/model/session.h
src_libapotview_a_SOURCES += src/model/metric.c src/model/metric.h
src_libapotview_a_SOURCES += src/model/namemap.c src/model/namemap.h
src_libapotview_a_SOURCES += src/model/cmdline.c src/model/cmdline.h
src_libapotview_a_SOURCES += src/model/stored_run.c src/model/stored_run.h
src_libapotview_a_SOURCES += src/model/pairs.c src/model/pairs.h
src_libapotview_a_SOURCES += src/model/planview.h
