# Pinned recipe for the tree-sitter-python grammar.  Both archives are
# source distributions from PyPI; the build verifies them by sha256 and never
# commits their contents.  The grammar must be LANGUAGE_VERSION 14 so that
# Debian's libtree-sitter 0.20.7 (ABI 13-14) can load it; 0.23.6 is the
# newest release that is.  Its sdist lacks src/tree_sitter/*.h, so the
# matching grammar-facing headers are taken from the tree-sitter 0.24.0 sdist
# (which vendors the core library); Debian's own parser.h is too old.
TSPY_NAME     := tree_sitter_python
TSPY_VERSION  := 0.23.6
TSPY_SHA256   := 354bfa0a2f9217431764a631516f85173e9711af2c13dbd796a8815acfe505d9
TSCORE_NAME   := tree-sitter
TSCORE_VERSION := 0.24.0
TSCORE_SHA256 := abd95af65ca2f4f7eca356343391ed669e764f37748b5352946f00f7fc78e734
TS_LANGUAGE_VERSION := 14
