dist_pkgdata_DATA += data/faceapi_conv64_1_conv1.npy
EXTRA_DIST += data/LICENSE.faceapi data/README.md
