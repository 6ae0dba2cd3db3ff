src_libapotview_a_SOURCES += \
	src/io/loader.c src/io/loader.h \
	src/io/npy.c src/io/npy.h \
	src/io/zipread.c src/io/zipread.h \
	src/io/npz.c src/io/npz.h \
	src/io/safetensors.c src/io/safetensors.h \
	src/io/stquant.c src/io/stquant.h src/io/stquant_decode.c src/io/stquant_priv.h \
	src/io/pickle.c src/io/pickle.h src/io/pickle_vm.h src/io/pickle_ops.c \
	src/io/torch.c src/io/torch.h \
	src/io/gguf.c src/io/gguf.h \
	src/io/ggml_quants.c src/io/ggml_quants.h \
	src/io/formats.c \
	src/io/demo.c src/io/demo.h
