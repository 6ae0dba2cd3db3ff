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
	src/io/ggml_quants.c src/io/ggml_quants.h src/io/ggml_int.h src/io/ggml_weigh.c \
	src/io/sidefile.c src/io/sidefile.h \
	src/io/onnx.c src/io/onnx.h src/io/onnx_int.h src/io/onnx_quant.c src/io/onnx_wire.c src/io/onnx_grid.c \
	src/io/tfjs.c src/io/tfjs.h \
	src/io/formats.c \
	src/io/grid.c src/io/grid.h src/io/stquant_grid.c \
	src/io/demo.c src/io/demo.h \
	src/io/imatrix.c src/io/imatrix.h

## The ONNX parser: generated into the build directory by protoc-c from the
## onnx.proto of libonnx-dev (configure finds both); never committed.
nodist_src_libapotview_a_SOURCES = src/io/onnx.pb-c.c src/io/onnx.pb-c.h
BUILT_SOURCES = src/io/onnx.pb-c.c src/io/onnx.pb-c.h
CLEANFILES += src/io/onnx.pb-c.c src/io/onnx.pb-c.h
src/io/onnx.pb-c.c: $(ONNX_PROTO)
	$(AM_V_GEN)$(MKDIR_P) src/io && \
	  $(PROTOC_C) --proto_path=$(ONNX_PROTO_DIR) --c_out=src/io $(ONNX_PROTO)
src/io/onnx.pb-c.h: src/io/onnx.pb-c.c
	@test -f $@ || { rm -f src/io/onnx.pb-c.c; $(MAKE) $(AM_MAKEFLAGS) src/io/onnx.pb-c.c; }
