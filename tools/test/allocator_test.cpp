// The programs allocate with the allocator the build chose (HVSNAP_ALLOCATOR, decision 0132):
// with tcmalloc, malloc and operator new of a program that links hvsnap_allocator are
// tcmalloc's, whatever library calls them. Fails if tcmalloc is linked after the C library
// (glibc's malloc would win the symbol look-up) or not at all.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <vector>

#if defined(HVSNAP_ALLOCATOR_TCMALLOC)
#include <gperftools/malloc_extension_c.h>
#endif

namespace {

#if defined(HVSNAP_ALLOCATOR_TCMALLOC)
bool tcmallocs(const void* p) {
  return MallocExtension_GetOwnership(p) == MallocExtension_kOwned;
}
#endif

TEST(Allocator, MallocAndNewAreTheChosenAllocators) {
#if defined(HVSNAP_ALLOCATOR_TCMALLOC)
  void* block = std::malloc(64);
  ASSERT_NE(block, nullptr);
  EXPECT_TRUE(tcmallocs(block)) << "malloc is not tcmalloc's";
  std::free(block);
  const auto text = std::make_unique<std::string>(100, 'x');  // operator new, in libstdc++
  EXPECT_TRUE(tcmallocs(text.get())) << "operator new is not tcmalloc's";
  EXPECT_TRUE(tcmallocs(text->data()));
  std::vector<int> grown;
  for (int i = 0; i < 100'000; ++i)
    grown.push_back(i);  // growth to a large block
  EXPECT_TRUE(tcmallocs(grown.data()));
#else
  GTEST_SKIP() << "this build allocates with the system's malloc (HVSNAP_ALLOCATOR)";
#endif
}

// What the allocator must keep of C++'s contract: memory that cannot be had is std::bad_alloc
// (not the end of the process: mimalloc as Debian builds it aborts there, one reason it was not
// chosen), and an aligned block is aligned at every alignment (mimalloc 2.0.9 returned blocks of
// 256 bytes aligned to 128). Only with tcmalloc: a sanitizer's allocator reports such a size.
TEST(Allocator, MemoryThatCannotBeHadThrowsAndAlignedBlocksAreAligned) {
#if defined(HVSNAP_ALLOCATOR_TCMALLOC)
  constexpr std::size_t kHuge = std::size_t{1} << 62;
  void* volatile kept = nullptr;  // volatile: the calls below are not optimised away
  EXPECT_THROW(kept = ::operator new(kHuge), std::bad_alloc);
  EXPECT_THROW(kept = ::operator new[](kHuge), std::bad_alloc);
  EXPECT_THROW(kept = ::operator new (kHuge, std::align_val_t{64}), std::bad_alloc);
  kept = ::operator new(kHuge, std::nothrow);
  EXPECT_EQ(kept, nullptr);
  for (const std::size_t alignment : {16U, 64U, 128U, 256U, 512U, 4096U}) {
    for (const std::size_t size : {1U, 100U, 256U, 1000U, 5000U}) {
      void* p = ::operator new (size, std::align_val_t{alignment});
      EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % alignment, 0U) << size << " " << alignment;
      ::operator delete (p, std::align_val_t{alignment});
      void* q = std::aligned_alloc(alignment, (size + alignment - 1) / alignment * alignment);
      EXPECT_EQ(reinterpret_cast<std::uintptr_t>(q) % alignment, 0U) << size << " " << alignment;
      std::free(q);
    }
  }
#else
  GTEST_SKIP() << "this build allocates with the system's malloc (HVSNAP_ALLOCATOR)";
#endif
}

}  // namespace
