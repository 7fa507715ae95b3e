// Runs the fuzz harness over every file of the given folders (the seed corpus and any
// crashes found since), so that ctest keeps them fixed without a fuzzing toolchain.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  std::size_t files = 0;
  for (int i = 1; i < argc; ++i) {
    std::error_code ec;
    if (!fs::is_directory(argv[i], ec)) {
      std::cerr << "corpus_driver: '" << argv[i] << "' is not a folder\n";
      return 2;
    }
    for (const auto& e : fs::recursive_directory_iterator(argv[i])) {
      if (!e.is_regular_file()) continue;
      std::ifstream in(e.path(), std::ios::binary);
      const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                    std::istreambuf_iterator<char>());
      LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
      ++files;
    }
  }
  if (files == 0) {
    std::cerr << "corpus_driver: no corpus files found\n";
    return 2;
  }
  std::cout << "corpus_driver: " << files << " inputs parsed without a crash\n";
  return 0;
}
