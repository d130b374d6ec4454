// PDQ hash of one binary PPM (P6) or PGM (P5) image, by Meta's reference C++ code.
//
// Why this file: Meta's CLI (pdq/cpp/bin/pdq-photo-hasher.cpp) also prints timings and loads
// PNG or JPEG only with libpng/libjpeg or ImageMagick beside CImg. This calls the very function
// the CLI calls, pdqHash256FromFile (pdq/cpp/io/pdqio.cpp): CImg loads the Netpbm file itself
// (no decoder library), squeezes a picture over 512 px a side to 512x512 (CImg's resize, nearest
// neighbour), turns RGB (or grey) into float luma and hashes it; then Hash256::format().
// Output: "<64 hex digits>,<quality>", as pdq-photo-hasher prints (without the file name).
// Build: see scripts/make_pdq_reference.py.

#include <pdq/cpp/hashing/pdqhashing.h>
#include <pdq/cpp/io/pdqio.h>

#include <cstdio>

using namespace facebook::pdq;

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s FILE.ppm|FILE.pgm\n", argv[0]);
    return 2;
  }
  hashing::Hash256 hash;
  int quality = 0, pixels = 0;
  float read_seconds = 0, hash_seconds = 0;
  if (!hashing::pdqHash256FromFile(argv[1], hash, quality, pixels, read_seconds, hash_seconds)) {
    fprintf(stderr, "%s: cannot read\n", argv[1]);
    return 2;
  }
  printf("%s,%d\n", hash.format().c_str(), quality);
  return 0;
}
