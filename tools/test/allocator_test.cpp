// The programs allocate with the allocator the build chose (HVSNAP_ALLOCATOR, decision 0132):
// with mimalloc, malloc and operator new of a program that links hvsnap_allocator are
// mimalloc's, whatever library calls them. Fails if mimalloc is linked after the C library
// (glibc's malloc would win the symbol look-up) or not at all.
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#if defined(HVSNAP_ALLOCATOR_MIMALLOC)
#include <mimalloc.h>
#endif

namespace {

TEST(Allocator, MallocAndNewAreTheChosenAllocators) {
#if defined(HVSNAP_ALLOCATOR_MIMALLOC)
  void* block = std::malloc(64);
  ASSERT_NE(block, nullptr);
  EXPECT_TRUE(mi_is_in_heap_region(block)) << "malloc is not mimalloc's";
  std::free(block);
  const auto text = std::make_unique<std::string>(100, 'x');  // operator new, in libstdc++
  EXPECT_TRUE(mi_is_in_heap_region(text.get())) << "operator new is not mimalloc's";
  EXPECT_TRUE(mi_is_in_heap_region(text->data()));
  std::vector<int> grown;
  for (int i = 0; i < 100'000; ++i)
    grown.push_back(i);  // realloc-like growth, large blocks
  EXPECT_TRUE(mi_is_in_heap_region(grown.data()));
#else
  GTEST_SKIP() << "this build allocates with the system's malloc (HVSNAP_ALLOCATOR)";
#endif
}

}  // namespace
