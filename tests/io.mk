## tests owned by the io layer
if HAVE_CMOCKA
check_PROGRAMS += tests/test_io
TESTS += tests/test_io
tests_test_io_SOURCES = tests/test_io.c $(TESTUTIL)
tests_test_io_CFLAGS = $(TEST_CFLAGS)
tests_test_io_LDADD = $(TEST_LIBS)
endif
TESTS += tests/io-cli.sh
dist_check_SCRIPTS += tests/io-cli.sh
EXTRA_DIST += tests/gen_io_fixtures.py
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
