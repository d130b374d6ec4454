// PDQ hash of one binary PPM (P6) or PGM (P5) image, by Meta's reference C++ code.
//
// Why this file: Meta's CLI (pdq/cpp/bin/pdq-photo-hasher.cpp) loads pictures with CImg and
// ImageMagick or libpng; we want the reference's arithmetic without those decoders. So this
// reads the trivial Netpbm formats itself and then does exactly what pdqHash256FromFile
// (pdq/cpp/io/pdqio.cpp) does after loading a picture of at most 512 px a side: RGB (or grey,
// as CImg loads a grey PNG) to float luma, pdqHash256FromFloatLuma, Hash256::format().
// Output: "<64 hex digits>,<quality>", as pdq-photo-hasher prints (without the file name).
// Build: see scripts/make_pdq_reference.py.

#include <pdq/cpp/common/pdqhashtypes.h>
#include <pdq/cpp/downscaling/downscaling.h>
#include <pdq/cpp/hashing/pdqhashing.h>

#include <cstdio>
#include <vector>

using namespace facebook::pdq;

int main(int argc, char** argv) {
  FILE* in = argc == 2 ? fopen(argv[1], "rb") : nullptr;
  char magic[3] = {0};
  int cols = 0, rows = 0, maxval = 0;
  // The writer (make_pdq_reference.py) puts no comments in the header.
  if (!in || fscanf(in, "%2s %d %d %d", magic, &cols, &rows, &maxval) != 4 ||
      fgetc(in) == EOF || maxval != 255 || cols < 1 || rows < 1 || cols > 512 ||
      rows > 512 || (magic[1] != '5' && magic[1] != '6') || magic[0] != 'P') {
    fprintf(stderr, "usage: %s FILE.ppm (binary P5/P6, 8 bits, at most 512 px)\n", argv[0]);
    return 2;
  }
  int channels = magic[1] == '6' ? 3 : 1;
  std::vector<uint8_t> pixels(size_t(rows) * cols * channels);
  if (fread(pixels.data(), 1, pixels.size(), in) != pixels.size()) {
    fprintf(stderr, "%s: short file\n", argv[1]);
    return 2;
  }
  std::vector<float> luma(size_t(rows) * cols), scratch(size_t(rows) * cols);
  if (channels == 3) {
    downscaling::fillFloatLumaFromRGB(
        &pixels[0], &pixels[1], &pixels[2], rows, cols, 3 * cols, 3, luma.data());
  } else {
    downscaling::fillFloatLumaFromGrey(pixels.data(), rows, cols, cols, 1, luma.data());
  }
  static float buffer64x64[64][64], buffer16x64[16][64], buffer16x16[16][16];
  hashing::Hash256 hash;
  int quality = 0;
  hashing::pdqHash256FromFloatLuma(
      luma.data(), scratch.data(), rows, cols, buffer64x64, buffer16x64, buffer16x16, hash,
      quality);
  printf("%s,%d\n", hash.format().c_str(), quality);
  return 0;
}
