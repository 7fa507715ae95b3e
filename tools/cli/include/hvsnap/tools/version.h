// The version of this build and the git commit it was built from (written at build time by
// cmake/GitVersion.cmake; "+dirty" when the tree had uncommitted changes).
#pragma once

namespace hvsnap::tools {
extern const char* const kVersion;
extern const char* const kGitCommit;
}  // namespace hvsnap::tools
