//===- Link.cpp - Object code to a shared library or executable -------===//
//
// Linking runs a C compiler as the linker driver (it knows the C library's
// startup files and paths); the object and the support source go to
// temporary files.
//
//===----------------------------------------------------------------------===//

#include "bitnet/Compiler/Link.h"

#include "Error.h"

#include "bitnet/Compiler/SupportSource.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <dlfcn.h>

using namespace mlir::bitnet;
using namespace mlir::bitnet::compiler;

namespace {

/// Writes `bytes` to a new temporary file `bitnet-compile-*.<suffix>`.
llvm::Error writeTemporaryFile(llvm::StringRef suffix, llvm::StringRef bytes,
                               llvm::SmallVectorImpl<char> &path) {
  int fd;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("bitnet-compile", suffix, fd, path))
    return compileError("cannot create a temporary file: " + ec.message());
  llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
  os << bytes;
  os.close();
  if (os.has_error()) {
    os.clear_error();
    return compileError("cannot write " + llvm::StringRef(path.data(), path.size()));
  }
  return llvm::Error::success();
}

/// The archive an executable links (lib/Tools/CMakeLists.txt: bitnet_exe):
/// in the lib directory beside the directory of the code running this (the
/// bitnet-compile program in bin/, or the compiler library in lib/).
llvm::Expected<std::string> findExeArchive() {
  Dl_info self{};
  if (!dladdr(reinterpret_cast<void *>(&findExeArchive), &self) || !self.dli_fname)
    return compileError("cannot link an executable: cannot locate the compiler's files");
  // For the main program dladdr gives argv[0] as typed: a bare name when
  // bitnet-compile was found through PATH. The kernel knows the file.
  std::string file = self.dli_fname;
  if (file.find('/') == std::string::npos)
    file = llvm::sys::fs::getMainExecutable(nullptr, nullptr);
  llvm::SmallString<256> archive(
      llvm::sys::path::parent_path(llvm::sys::path::parent_path(file)));
  llvm::sys::path::append(archive, "lib", "libbitnet_exe.a");
  if (!llvm::sys::fs::exists(archive))
    return compileError("cannot link an executable: " + archive +
                " (the runtime archive built with bitnet-compile) not found");
  return archive.str().str();
}

} // namespace

std::string compiler::defaultLinker(const CpuTargetInfo &target) {
  return target.arch == CpuArch::AArch64 ? "aarch64-linux-gnu-gcc"
                                         : BITNET_HOST_LINKER;
}

llvm::Error compiler::linkModel(llvm::ArrayRef<char> object,
                                const CpuTargetInfo &target,
                                const LinkOptions &options) {
  std::string archive;
  if (options.executable) {
    llvm::Expected<std::string> found = findExeArchive();
    if (!found)
      return found.takeError();
    archive = *found;
  }
  llvm::SmallString<128> objectPath, supportPath;
  llvm::Error written = writeTemporaryFile(
      "o", llvm::StringRef(object.data(), object.size()), objectPath);
  llvm::FileRemover removeObject(objectPath);
  if (written)
    return written;
  written = writeTemporaryFile("c", kSupportSource, supportPath);
  llvm::FileRemover removeSupport(supportPath);
  if (written)
    return written;

  bool isAArch64 = target.arch == CpuArch::AArch64;
  std::string linker = options.linker.empty() ? defaultLinker(target) : options.linker;
  llvm::ErrorOr<std::string> program =
      llvm::sys::path::is_absolute(linker) ? linker
                                           : llvm::sys::findProgramByName(linker);
  if (!program || !llvm::sys::fs::can_execute(*program))
    return compileError(llvm::Twine("cannot link: ") + linker + " not found" +
                (llvm::sys::path::is_absolute(linker) ? "" : " in PATH") +
                (isAArch64 ? " (install gcc-aarch64-linux-gnu)" : ""));
  // -z defs: a symbol nothing provides is a link error, not a load error.
  // -Bsymbolic: the library's references to its own functions bind locally
  // (translateToLLVMIR: a program's `main` must not replace the model's).
  std::vector<std::string> args = {*program, "-O2", "-o", options.output,
                                   objectPath.str().str(), supportPath.str().str()};
  if (options.executable) {
    // The runtime finds the model's symbols in the program itself.
    args.insert(args.end(), {archive, "-Wl,--export-dynamic", "-lstdc++", "-ldl"});
  } else {
    args.insert(args.end(), {"-shared", "-fPIC", "-Wl,-z,defs", "-Wl,-Bsymbolic"});
  }
  if (options.openmp) {
    args.push_back("-L" BITNET_OMP_LIBRARY_DIR);
    args.push_back("-lomp");
    args.push_back("-Wl,-rpath," BITNET_OMP_LIBRARY_DIR);
  }
  args.push_back("-lm");
  std::vector<llvm::StringRef> argRefs(args.begin(), args.end());
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(*program, argRefs, std::nullopt, {}, 0, 0,
                                     &message);
  if (rc != 0)
    return compileError(llvm::Twine("linking failed: ") + linker + " exited with " +
                llvm::Twine(rc) + (message.empty() ? "" : ": " + message));
  return llvm::Error::success();
}
